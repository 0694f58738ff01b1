// `berth build URL`: a build context that is not a local directory, told apart as the docker CLI does
// (urlutil.IsGitURL, then IsURL). A git repository is cloned at `#ref` with `:subdir` as the context
// root; an http(s) download is a context archive (any compression) or else the Dockerfile itself,
// with an empty context. Everything lands in a temp dir under the store's tmp (see stdin-context).
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { cleanRooted } from '../build/copy/scoped-path.ts';
import { checkoutCommit, resolveCommit } from '../build/git/checkout.ts';
import { parseGitRef, type GitRef } from '../build/git/ref.ts';
import { fetchUrlSource } from '../build/url-source.ts';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { openStore } from './image-resolve.ts';
import { isGitContext, isHttpUrl } from './remote-url.ts';
import { contextFromStream, type StdinContext } from './stdin-context.ts';

export type RemoteContext = StdinContext;

/**
 * Fetches the context `url` names. `dockerfile` (-f) is a path inside it, relative to the context
 * root (the subdirectory of a git URL); `-` means the Dockerfile comes from elsewhere (stdin).
 */
export async function contextFromUrl(root: string, url: string, dockerfile?: string, signal?: AbortSignal): Promise<RemoteContext> {
  if (isGitContext(url)) return gitContext(root, url, dockerfile, signal);
  if (isHttpUrl(url)) return downloadedContext(root, url, dockerfile, signal);
  throw new BerthError('CONTEXT', `"${url}" is not a git repository or an http(s) URL`, { hint: 'give a directory, an http(s) URL or a git URL' });
}

/** The repository, ref and subdirectory of a git context; `github.com/x/y` is cloned from https://github.com/x/y as docker does. */
export function contextGitRef(url: string): GitRef | undefined {
  if (!url.startsWith('github.com/')) return parseGitRef(url);
  // Parsed as git:// (always git, .git or not), then given the https remote.
  const ref = parseGitRef(`git://${url}`);
  return ref && { ...ref, remote: `https://${ref.remote.slice('git://'.length)}` };
}

async function gitContext(root: string, url: string, dockerfile: string | undefined, signal: AbortSignal | undefined): Promise<RemoteContext> {
  const ref = contextGitRef(url);
  if (!ref) {
    throw new BerthError('CONTEXT', `unable to prepare context: "${url}" is not a git repository URL`, { hint: 'give https://HOST/REPO.git, git://HOST/REPO or git@HOST:REPO, with #REF[:DIR] after it' });
  }
  const store = await openStore(root);
  const dir = tempName(store.layout.tmpDir, 'remote-context');
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const commit = await resolveCommit(ref, signal);
    const contextDir = await checkoutCommit(ref, commit, path.join(dir, 'repo'), { keepGitDir: false, signal });
    return { contextDir, ...(dockerfile === '-' ? {} : { dockerfile: path.join(contextDir, ...cleanRooted(dockerfile ?? 'Dockerfile')) }), dispose };
  } catch (e) {
    await dispose();
    // The git runner speaks of ADD (and ls-remote wraps it as an unreadable repository); here a context needs git.
    for (let at: unknown = e; at instanceof Error; at = at.cause) {
      if (at instanceof BerthError && at.code === 'MISSING_DEPENDENCY') {
        throw new BerthError('MISSING_DEPENDENCY', 'unable to prepare context: a build context from a git repository needs git, which is not installed', { cause: e, hint: at.hint });
      }
    }
    throw e;
  }
}

/** The innermost cause's message: undici says only "fetch failed", its cause says why (ECONNREFUSED …). */
function detail(e: unknown): string {
  let at = e;
  while (at instanceof Error && at.cause instanceof Error) at = at.cause;
  const text = at instanceof Error ? at.message : String(at);
  return text.replace(/^ADD failed: /, '');
}

async function downloadedContext(root: string, url: string, dockerfile: string | undefined, signal: AbortSignal | undefined): Promise<RemoteContext> {
  const store = await openStore(root);
  const file = await fetchUrlSource(url, store.layout.tmpDir, undefined, signal).catch((e: unknown) => {
    throw new BerthError('CONTEXT', `unable to prepare context: unable to download remote context ${url}: ${detail(e)}`, { cause: e, hint: 'check the URL and that the server is reachable' });
  });
  try {
    if (dockerfile === '-') {
      // docker: with the Dockerfile on stdin, the download must be the context archive.
      const ctx = await contextFromStream(root, createReadStream(path.join(file.dir, file.name)), undefined, url);
      if (ctx.dockerfileText !== undefined) {
        await ctx.dispose();
        throw new BerthError('CONTEXT', `unable to prepare context: ${url} is not a context archive, and -f - reads the Dockerfile from stdin`, { hint: 'give a tar archive URL, or leave out -f -' });
      }
      return { contextDir: ctx.contextDir, dispose: ctx.dispose };
    }
    return await contextFromStream(root, createReadStream(path.join(file.dir, file.name)), dockerfile, url);
  } finally {
    file.dispose();
  }
}
