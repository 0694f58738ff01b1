// Pushes and pulls through a fault-injecting proxy in front of a real Distribution 2.8: 503 twice,
// 429 with Retry-After, a connection cut at 40% of a blob both ways, a flipped byte, a truncated
// body, hung and stalled responses, and (with bearer tokens) a token that expires mid-push. Each
// either completes or fails with a typed error; afterwards the store passes `system check` and the
// registry holds no manifest whose blobs are missing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importImage, inspectImages, listImages, pullImage, pushImage, systemCheck, tagImage } from '../../src/api/index.ts';
import { BerthError } from '../../src/util/errors.ts';
import { importBusybox } from '../build/e2e-helpers.ts';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../helpers/fault-proxy.ts';
import { registryUnavailable, startRegistry, type RegistryServer } from '../helpers/registry-server.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-faults-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshRoot = (): string => path.join(work, `root-${++n}`);

/** Quick retries and a short idle timeout, so hung responses fail over in seconds, not a minute. */
const FAST = { idleTimeoutMs: 2_000 };
const LAYER = /\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/;
const UPLOAD_SESSION = /\/v2\/.+\/blobs\/uploads\/[^/?]+/;
const MANIFEST = /\/v2\/.+\/manifests\/[^/]+$/;

async function assertStoreClean(root: string): Promise<void> {
  assert.deepEqual(await systemCheck(root), [], 'berth system check finds nothing');
}

async function assertRegistryClean(reg: RegistryServer): Promise<void> {
  assert.deepEqual(await reg.consistencyProblems(), [], 'no manifest in the registry lacks a blob');
}

/** A one-layer image of 2 MiB of fresh random bytes (blobs no registry holds yet), imported as `ref`. */
async function importRandom(root: string, ref: string): Promise<void> {
  const dir = path.join(work, `random-${++n}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'noise.bin'), randomBytes(2 * 1024 * 1024));
  execFileSync('tar', ['--numeric-owner', '-C', dir, '-cf', `${dir}.tar`, '.']);
  await importImage(root, { source: `${dir}.tar`, reference: ref });
}

function isTypedFailure(e: unknown): e is BerthError {
  return e instanceof BerthError && typeof e.code === 'string' && e.message.length > 0 && !/\n\s+at /.test(e.message);
}

describe('registry faults (open registry behind the proxy)', { skip }, () => {
  let reg: RegistryServer;
  let proxy: FaultProxy;
  const src = freshRoot();
  let imageId = '';
  let layerDigest = '';

  before(async () => {
    reg = await startRegistry('open');
    proxy = await startFaultProxy(reg);
    await importBusybox(src, work, 'faults/busybox:1');
    const img = (await inspectImages(src, ['faults/busybox:1'])).objects[0] as { Id: string; RootFS: unknown };
    imageId = img.Id;
    // The base every pull case starts from, pushed without faults.
    await tagImage(src, 'faults/busybox:1', `${proxy.host}/faults/base:1`);
    const [pushed] = await pushImage(src, `${proxy.host}/faults/base:1`, FAST);
    const manifest = (await (await reg.api(`/v2/faults/base/manifests/${pushed!.digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } })).json()) as { layers: Array<{ digest: string }> };
    layerDigest = manifest.layers[0]!.digest;
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  /** Pushes the image as `${proxy}/faults/<name>:1` with `rules` armed; returns the outcome. */
  async function pushWith(name: string, rules: FaultRule[], extra: { chunkSize?: number } = {}): Promise<{ ok: boolean; error?: unknown }> {
    proxy.clear(true);
    const ref = `${proxy.host}/faults/${name}:1`;
    await importRandom(src, ref);
    for (const r of rules) proxy.add(r);
    try {
      await pushImage(src, ref, { ...FAST, ...extra });
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    } finally {
      proxy.clear();
      await assertStoreClean(src);
      await assertRegistryClean(reg);
    }
  }

  /** Pulls faults/base:1 into a fresh store with `rules` armed. */
  async function pullWith(rules: FaultRule[]): Promise<{ ok: boolean; error?: unknown; root: string }> {
    proxy.clear(true);
    const root = freshRoot();
    for (const r of rules) proxy.add(r);
    try {
      const pulled = await pullImage(root, `${proxy.host}/faults/base:1`, FAST);
      assert.equal(pulled.id, imageId, 'the pulled image is the pushed one');
      return { ok: true, root };
    } catch (error) {
      return { ok: false, error, root };
    } finally {
      proxy.clear();
      await assertStoreClean(root);
    }
  }

  it('push: 503 twice on the blob upload and on the manifest PUT, then success', async () => {
    const r = await pushWith('p503', [
      { method: 'POST', path: /\/blobs\/uploads\/$/, times: 2, action: { type: 'status', status: 503 } },
      { method: 'PUT', path: MANIFEST, times: 2, action: { type: 'status', status: 503 } },
    ]);
    assert.ok(r.ok, String(r.error));
    assert.equal(proxy.applied('status'), 4);
    assert.ok(proxy.requests.some((q) => q.method === 'PUT' && UPLOAD_SESSION.test(q.path) && q.status === 201), 'the layer was uploaded, not mounted');
  });

  it('push: 429 with Retry-After is waited out', async () => {
    const r = await pushWith('p429', [{ method: 'PUT', path: MANIFEST, action: { type: 'status', status: 429, headers: { 'retry-after': '1' } } }]);
    assert.ok(r.ok, String(r.error));
    const puts = proxy.requests.filter((q) => q.method === 'PUT' && MANIFEST.test(q.path));
    assert.deepEqual(puts.map((q) => q.status), [429, 201]);
  });

  it('push: the connection dropped at 40% of the layer upload is resumed or restarted', async () => {
    const r = await pushWith('pcut', [{ path: UPLOAD_SESSION, action: { type: 'cut-request', fraction: 0.4 } }]);
    assert.ok(r.ok, String(r.error));
    assert.equal(proxy.applied('cut-request'), 1);
  });

  it('push: a chunk the registry refuses (503) resumes from the offset the session reports, in the same session', async () => {
    const chunk = 512 * 1024;
    const r = await pushWith('presume', [{ method: 'PATCH', path: UPLOAD_SESSION, skip: 1, action: { type: 'status', status: 503 } }], { chunkSize: chunk });
    assert.ok(r.ok, String(r.error));
    assert.equal(proxy.applied('status'), 1);
    // After the refused chunk berth asked the session where it stands (GET → 204 with Range) ...
    const status = proxy.requests.findIndex((q) => q.method === 'GET' && UPLOAD_SESSION.test(q.path) && q.status === 204);
    assert.ok(status > 0, JSON.stringify(proxy.requests));
    // ... and went on in that session: one POST for the layer (the config is small: one POST + PUT),
    // and each chunk landed once (the first was not sent again).
    const manifest = (await (await reg.api('/v2/faults/presume/manifests/1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } })).json()) as { layers: Array<{ size: number }> };
    const chunks = Math.ceil(manifest.layers[0]!.size / chunk);
    assert.ok(chunks >= 3, `a layer of several chunks (${manifest.layers[0]!.size} bytes)`);
    assert.equal(proxy.requests.filter((q) => q.method === 'PATCH' && q.status === 202).length, chunks);
    assert.equal(proxy.requests.filter((q) => q.method === 'POST' && /\/blobs\/uploads\/$/.test(q.path)).length, 2);
  });

  it('push: a hung manifest PUT hits the idle timeout and is tried again', async () => {
    const r = await pushWith('phang', [{ method: 'PUT', path: MANIFEST, action: { type: 'hang' } }]);
    assert.ok(r.ok, String(r.error));
  });

  it('push: a registry that keeps failing ends in a typed error naming the status, and no manifest', async (t) => {
    const r = await pushWith('pdown', [{ method: 'PUT', path: MANIFEST, times: Infinity, action: { type: 'status', status: 500 } }]);
    assert.equal(r.ok, false);
    assert.ok(isTypedFailure(r.error), String(r.error));
    assert.match(r.error.message, /500/);
    t.diagnostic(`error: ${r.error.message}`);
    const tags = await reg.api('/v2/faults/pdown/tags/list');
    assert.equal(tags.status, 404, 'the tag never appeared');
  });

  it('pull: 503 twice on the layer, then success', async () => {
    const r = await pullWith([{ method: 'GET', path: LAYER, times: 2, action: { type: 'status', status: 503 } }]);
    assert.ok(r.ok, String(r.error));
  });

  it('pull: 429 with Retry-After on the manifest is waited out', async () => {
    const r = await pullWith([{ method: 'GET', path: MANIFEST, action: { type: 'status', status: 429, headers: { 'retry-after': '1' } } }]);
    assert.ok(r.ok, String(r.error));
  });

  it('pull: the connection dropped at 40% of the layer is resumed (Range) or restarted', async () => {
    const r = await pullWith([{ method: 'GET', path: new RegExp(`/blobs/${layerDigest}$`), action: { type: 'cut-response', fraction: 0.4 } }]);
    assert.ok(r.ok, String(r.error));
    assert.equal(proxy.applied('cut-response'), 1);
  });

  it('pull: a stalled layer body hits the idle timeout and is fetched again', async () => {
    const r = await pullWith([{ method: 'GET', path: new RegExp(`/blobs/${layerDigest}$`), action: { type: 'stall-response', fraction: 0.4 } }]);
    assert.ok(r.ok, String(r.error));
  });

  it('pull: a hung manifest response hits the idle timeout and is tried again', async () => {
    const r = await pullWith([{ method: 'GET', path: MANIFEST, action: { type: 'hang' } }]);
    assert.ok(r.ok, String(r.error));
  });

  it('pull: a flipped byte in the layer is a digest error and nothing is stored', async (t) => {
    const r = await pullWith([{ method: 'GET', path: new RegExp(`/blobs/${layerDigest}$`), times: Infinity, action: { type: 'flip-byte', fraction: 0.4 } }]);
    assert.equal(r.ok, false, 'a corrupt layer must not be accepted');
    assert.ok(isTypedFailure(r.error), String(r.error));
    assert.match(r.error.message, /digest|sha256/i);
    t.diagnostic(`error: ${r.error.message}`);
    assert.deepEqual(await listImages(r.root), []);
  });

  it('pull: a truncated layer (short body, matching length) is refused and nothing is stored', async (t) => {
    const r = await pullWith([{ method: 'GET', path: new RegExp(`/blobs/${layerDigest}$`), times: Infinity, action: { type: 'truncate', fraction: 0.5 } }]);
    assert.equal(r.ok, false, 'a short layer must not be accepted');
    assert.ok(isTypedFailure(r.error), String(r.error));
    t.diagnostic(`error: ${r.error.message}`);
    assert.deepEqual(await listImages(r.root), []);
  });
});

describe('registry faults (bearer tokens): a token expiring mid-push', { skip }, () => {
  let reg: RegistryServer;
  let proxy: FaultProxy;
  const src = freshRoot();

  before(async () => {
    reg = await startRegistry('token');
    proxy = await startFaultProxy(reg);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  it('re-authenticates when the registry rejects a token that expired in flight, and finishes', async () => {
    // Tokens live 8 s at the registry. The proxy holds the manifest PUT for 9 s, so the registry
    // sees a token that was fresh when sent but has expired on arrival: a real mid-push 401.
    await reg.tokenServer!.setTokenTtl(8);
    const ref = `${proxy.host}/faults/expiry:1`;
    await importRandom(src, ref);
    proxy.add({ method: 'PUT', path: MANIFEST, action: { type: 'delay', ms: 9_000 } });
    const credentials = async (): Promise<{ username: string; password: string }> => ({ username: reg.username!, password: reg.password! });
    await pushImage(src, ref, { credentials, idleTimeoutMs: 30_000 });
    const manifestPuts = proxy.requests.filter((q) => q.method === 'PUT' && MANIFEST.test(q.path)).map((q) => q.status);
    assert.deepEqual(manifestPuts, [401, 201], 'the first PUT met an expired token, the second a fresh one');
    const tokenRequests = await reg.tokenServer!.requests();
    assert.ok(tokenRequests.length <= 6, `the token endpoint is hit a bounded number of times (${tokenRequests.length})`);
    await assertStoreClean(src);
    assert.deepEqual(await reg.consistencyProblems(), []);
  });
});
