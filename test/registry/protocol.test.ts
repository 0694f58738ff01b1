// Protocol edges through the fault proxy in front of a real registry: credentials are never sent
// to the storage host a blob GET redirects to (CVE-2020-15157's lesson), a 5 MiB manifest is
// refused without buffering it, docker.io is pulled through a configured mirror, chunked uploads
// (PATCH with Content-Range) round-trip, and an aborted pull (Ctrl-C) records nothing and leaves
// the store clean.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listImages, pullImage, pushImage, systemCheck } from '../../src/api/index.ts';
import { importBusybox } from '../build/e2e-helpers.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { registryUnavailable, useRegistry } from '../helpers/registry-server.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-reg-proto-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshRoot = (): string => path.join(work, `root-${++n}`);

describe('registry protocol edges', { skip }, () => {
  const reg = useRegistry('basic-tls');
  const src = freshRoot();
  let proxy: FaultProxy;
  const creds = () => Promise.resolve({ username: reg.server.username!, password: reg.server.password! });
  let storage: Server;
  const seen: IncomingHttpHeaders[] = [];
  let storageUrl = '';

  before(async () => {
    proxy = await startFaultProxy(reg.server);
    // "Storage" on another loopback address: records what it is sent, serves the blob from the registry.
    storage = createServer((req, res) => {
      seen.push(req.headers);
      void reg.server.api(req.url!).then(async (r) => {
        res.writeHead(r.status, { 'content-length': r.headers.get('content-length') ?? undefined });
        res.end(Buffer.from(await r.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.2', resolve));
    storageUrl = `http://127.0.0.2:${(storage.address() as AddressInfo).port}`;
    await importBusybox(src, mkdtempSync(path.join(work, 'bb-')), `${proxy.host}/edge/busybox:1`);
    await pushImage(src, `${proxy.host}/edge/busybox:1`, { credentials: creds });
  });
  after(async () => {
    await proxy.stop();
    await new Promise((resolve) => storage.close(resolve));
  });

  it('follows a blob redirect to another host without the Authorization header', async () => {
    proxy.clear(true);
    const m = await (await reg.server.api('/v2/edge/busybox/manifests/1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json() as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
      proxy.add({ method: 'GET', path: new RegExp(`/blobs/${d}$`), times: Infinity, action: { type: 'status', status: 307, headers: { location: `${storageUrl}/v2/edge/busybox/blobs/${d}` } } });
    }
    const root = freshRoot();
    await pullImage(root, `${proxy.host}/edge/busybox:1`, { credentials: creds });
    assert.ok(seen.length >= 2, 'config and layer came from the storage host');
    for (const h of seen) assert.equal(h.authorization, undefined, 'no credentials to the storage host');
    assert.ok(proxy.requests.some((r) => r.path.includes('/manifests/') && r.status === 200));
    proxy.clear(true);
  });

  it('refuses a 5 MiB manifest from its Content-Length, without retrying', async () => {
    proxy.clear(true);
    proxy.add({ method: 'GET', path: /\/manifests\//, times: Infinity, action: { type: 'status', status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: ' '.repeat(5 * 1024 * 1024) } });
    await assert.rejects(pullImage(freshRoot(), `${proxy.host}/edge/busybox:1`, { credentials: creds }), (e: Error & { code?: string }) => {
      assert.match(e.message, /larger than the 4194304 bytes allowed/);
      return true;
    });
    assert.equal(proxy.requests.filter((r) => r.path.includes('/manifests/')).length, 1);
    proxy.clear(true);
  });

  it('pushes in PATCH chunks with Content-Range and pulls the same image back', async () => {
    proxy.clear(true);
    const root = freshRoot();
    const other = freshRoot(); // no record of where its blobs came from, so nothing is mounted
    await importBusybox(other, mkdtempSync(path.join(work, 'bb-')), `${proxy.host}/chunked/busybox:1`);
    const [pushed] = await pushImage(other, `${proxy.host}/chunked/busybox:1`, { credentials: creds, chunkSize: 256 * 1024 });
    const patches = proxy.requests.filter((r) => r.method === 'PATCH');
    assert.ok(patches.length >= 2, `chunked: ${patches.length} PATCH requests`);
    const r = await pullImage(root, `${proxy.host}/chunked/busybox:1`, { credentials: creds });
    assert.equal(r.manifest, pushed!.digest);
    assert.deepEqual(await reg.server.consistencyProblems(), []);
  });

  it('a chunked upload whose PATCH was cut asks the session where it stands, then resumes or (Distribution 2.8 drops such sessions) starts over', async () => {
    proxy.clear(true);
    proxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, skip: 1, action: { type: 'cut-request', fraction: 0.5 } });
    const other = freshRoot();
    await importBusybox(other, mkdtempSync(path.join(work, 'bb-')), `${proxy.host}/resumed/busybox:1`);
    const [pushed] = await pushImage(other, `${proxy.host}/resumed/busybox:1`, { credentials: creds, chunkSize: 256 * 1024 });
    assert.ok(proxy.requests.some((r) => r.method === 'GET' && /\/blobs\/uploads\//.test(r.path)), 'asked the session where it stands');
    const r = await pullImage(freshRoot(), `${proxy.host}/resumed/busybox:1`, { credentials: creds });
    assert.equal(r.manifest, pushed!.digest);
    assert.deepEqual(await reg.server.consistencyProblems(), []);
  });

  it('an aborted pull records nothing and leaves no temp file; the next pull completes', async () => {
    proxy.clear(true);
    proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, skip: 1, action: { type: 'stall-response', fraction: 0.3 } });
    const root = freshRoot();
    const ac = new AbortController();
    await assert.rejects(pullImage(root, `${proxy.host}/edge/busybox:1`, {
      credentials: creds, signal: ac.signal,
      onEvent: (e) => { if (e.type === 'layer' && e.status === 'Downloading') ac.abort(new Error('interrupted by the test')); },
    }), /interrupted by the test/);
    assert.deepEqual(await listImages(root), []);
    assert.deepEqual(await systemCheck(root), []);
    assert.deepEqual(await readdir(path.join(root, 'tmp')), [], 'no temp file left');
    proxy.clear(true);
    const r = await pullImage(root, `${proxy.host}/edge/busybox:1`, { credentials: creds });
    assert.equal((await listImages(root))[0]?.id, r.id);
  });
});

describe('docker.io through a mirror', { skip }, () => {
  const reg = useRegistry('open');
  it('pulls busybox from the mirror as docker.io/library/busybox', async () => {
    const src = freshRoot();
    const host = reg.server.host;
    await importBusybox(src, mkdtempSync(path.join(work, 'bb-')), `${host}/library/busybox:mirrored`);
    const [pushed] = await pushImage(src, `${host}/library/busybox:mirrored`);
    const root = freshRoot();
    const r = await pullImage(root, 'busybox:mirrored', { settings: { mirrors: [reg.server.url] } });
    assert.equal(r.reference, 'docker.io/library/busybox:mirrored');
    assert.equal(r.manifest, pushed!.digest);
    assert.deepEqual((await listImages(root))[0]?.repoTags, ['busybox:mirrored']);
  });
});
