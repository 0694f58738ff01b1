// Listing a repository's tags (GET /v2/<name>/tags/list, following `Link: <…>; rel="next"` pages),
// for `pull --all-tags`.
import type { Reference } from '../oci/index.ts';
import type { CredentialLookup } from './auth.ts';
import { LIMITS } from './bounded.ts';
import { connect } from './client.ts';
import { RegistryError } from './errors.ts';
import type { RegistrySettings } from './settings.ts';
import { header } from './transport.ts';

const MAX_PAGES = 100;

export async function listTags(ref: Reference, opts: { settings: RegistrySettings; credentials?: CredentialLookup | undefined; signal?: AbortSignal | undefined; idleTimeoutMs?: number | undefined }): Promise<string[]> {
  const t = await connect(ref.registry, 'pull', opts);
  try {
    const tags: string[] = [];
    let url: string | undefined = `/v2/${ref.repository}/tags/list`;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const { res, body }: { res: { headers: Record<string, string | string[] | undefined>; url: string }; body: Buffer } = await t.read({
        method: 'GET', url, ok: [200], scopes: [`repository:${ref.repository}:pull`], what: `listing the tags of ${ref.familiarName()}`,
      }, LIMITS.manifest);
      let doc: { tags?: unknown };
      try { doc = JSON.parse(body.toString('utf8')) as typeof doc; } catch (e) {
        throw new RegistryError(`listing the tags of ${ref.familiarName()}: the registry did not answer JSON`, { method: 'GET', url: res.url, cause: e });
      }
      if (Array.isArray(doc.tags)) tags.push(...doc.tags.filter((x): x is string => typeof x === 'string'));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(res, 'link') ?? '');
      url = next ? new URL(next[1]!, res.url).toString() : undefined;
    }
    return [...new Set(tags)].sort();
  } finally {
    await t.close();
  }
}
