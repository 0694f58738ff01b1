// Pushing through the registry API by hand, the way the distribution spec says (POST, PUT ?digest=,
// then the manifest), so tests can place images berth did not make: third-party or hostile ones.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RegistryServer } from '../helpers/registry-server.ts';

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Uploads blobs (monolithic POST then PUT) and then the manifest under `tag`; gives the manifest digest. */
export async function pushRaw(reg: RegistryServer, repo: string, tag: string, blobs: readonly Buffer[], manifest: Buffer): Promise<string> {
  for (const blob of blobs) {
    const post = await reg.api(`/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    assert.equal(post.status, 202, await post.text());
    const location = new URL(post.headers.get('location')!, reg.url);
    location.searchParams.set('digest', sha256(blob));
    const put = await reg.api(location.pathname + location.search, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(put.status, 201, await put.text());
  }
  const put = await reg.api(`/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(put.status, 201, await put.text());
  return sha256(manifest);
}
