// A pulled layer is written and checked while it arrives (blob digest, gunzip, entry check,
// diff_id in one pass). Every check still holds and nothing is stored when one fails: a wrong
// diff_id, a hostile entry, corrupt or cut-short gzip behind a right digest. The on-the-fly check
// follows the download through a Range resume, a server that ignores Range (start over) and a
// flipped byte fetched again; and the store's ArrivingLayer restarts cleanly on its own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { listImages, pullImage, systemCheck } from '../../src/api/index.ts';
import { createCompressStream, zstdBackend } from '../../src/layer/index.ts';
import { ArrivingLayer, Store } from '../../src/store/index.ts';
import { BerthError } from '../../src/util/errors.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { registryUnavailable, startRegistry, type RegistryServer } from '../helpers/registry-server.ts';
import { collect, tarOf } from '../layer/helpers.ts';
import { pushRaw, sha256 } from './raw-api.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-pull-verify-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshRoot = (): string => path.join(work, `root-${++n}`);

/** A layer tar of ~6 MiB, half random, half repetitive (so gzip output spans many reads). */
async function bigTar(): Promise<Buffer> {
  const text = Buffer.from('layer bytes that compress well\n'.repeat(100_000));
  return tarOf([
    { header: { name: 'data', type: 'dir' } },
    { header: { name: 'data/noise.bin', type: 'file' }, body: randomBytes(3 << 20) },
    { header: { name: 'data/text.txt', type: 'file' }, body: text },
  ]);
}

/** Pushes one image straight through the registry API (no berth): layer bytes and diff_id as given. */
async function pushCrafted(reg: RegistryServer, repo: string, layer: Buffer, diffId: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }));
  await pushRaw(reg, repo, '1', [layer, config], manifest);
  return sha256(config);
}

/** Nothing of a failed pull is left: no image, not the layer blob, no temp file; the store checks clean. */
function assertNothingStored(root: string, layerDigest: string): Promise<void> {
  assert.equal(existsSync(path.join(root, 'blobs', 'sha256', layerDigest.slice(7))), false, 'the layer blob is not stored');
  assert.deepEqual(existsSync(path.join(root, 'tmp')) ? readdirSync(path.join(root, 'tmp')) : [], [], 'no temp file left');
  return (async () => {
    assert.deepEqual(await listImages(root), []);
    assert.deepEqual(await systemCheck(root), []);
  })();
}

async function pullFails(ref: string, root: string): Promise<BerthError> {
  try {
    await pullImage(root, ref, { idleTimeoutMs: 5_000 });
  } catch (e) {
    assert.ok(e instanceof BerthError, String(e));
    assert.doesNotMatch(e.message, /\n\s+at /, 'no stack trace in the message');
    return e;
  }
  assert.fail('the pull succeeded');
}

describe('pull checks layers as they arrive', { skip }, () => {
  let reg: RegistryServer;
  let proxy: FaultProxy;
  let tar: Buffer;
  let gz: Buffer;
  let imageId = '';

  before(async () => {
    reg = await startRegistry('open');
    proxy = await startFaultProxy(reg);
    tar = await bigTar();
    gz = gzipSync(tar);
    imageId = await pushCrafted(reg, 'verify/good', gz, sha256(tar));
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  const blobPath = (): RegExp => new RegExp(`/blobs/${sha256(gz)}$`);
  const blobGets = (): number => proxy.requests.filter((r) => r.method === 'GET' && blobPath().test(r.path)).length;

  async function pullGood(): Promise<string> {
    const root = freshRoot();
    const r = await pullImage(root, `${proxy.host}/verify/good:1`, { idleTimeoutMs: 5_000 });
    assert.equal(r.id, imageId);
    assert.ok(existsSync(path.join(root, 'blobs', 'sha256', sha256(gz).slice(7))));
    assert.deepEqual(readdirSync(path.join(root, 'tmp')), []);
    assert.deepEqual(await systemCheck(root), []);
    return root;
  }

  it('a connection cut at 40% is resumed with Range and the check goes on from there', async () => {
    proxy.clear(true);
    proxy.add({ method: 'GET', path: blobPath(), action: { type: 'cut-response', fraction: 0.4 } });
    await pullGood();
    assert.equal(proxy.applied('cut-response'), 1);
    const resumed = proxy.requests.filter((r) => blobPath().test(r.path) && r.status === 206);
    assert.equal(resumed.length, 1, 'the rest came as a 206 partial response');
  });

  it('a server that ignores Range sends the whole body again: the check starts over with it', async () => {
    proxy.clear(true);
    proxy.add({ method: 'GET', path: blobPath(), action: { type: 'cut-response', fraction: 0.6 } });
    proxy.add({ method: 'GET', path: blobPath(), action: { type: 'ignore-range' } });
    await pullGood();
    assert.equal(blobGets(), 2);
    assert.equal(proxy.requests.filter((r) => blobPath().test(r.path) && r.status === 200).length, 2);
  });

  it('a byte flipped once is a digest mismatch; the blob is fetched again and checked afresh', async () => {
    proxy.clear(true);
    proxy.add({ method: 'GET', path: blobPath(), action: { type: 'flip-byte', fraction: 0.3 } });
    await pullGood();
    assert.equal(blobGets(), 2);
  });

  it('a layer whose diff_id is not the config\'s is refused, and nothing is stored', async () => {
    await pushCrafted(reg, 'verify/diffid', gz, sha256(Buffer.from('another tar')));
    const root = freshRoot();
    const e = await pullFails(`${reg.host}/verify/diffid:1`, root);
    assert.equal(e.code, 'INVALID_IMAGE');
    assert.match(e.message, new RegExp(`has diff_id ${sha256(tar)}, but the config says ${sha256(Buffer.from('another tar'))}`));
    await assertNothingStored(root, sha256(gz));
  });

  it('a layer with a `..` entry is refused by name, and nothing is stored', async () => {
    const hostile = await tarOf([{ header: { name: 'ok.txt', type: 'file' }, body: 'fine' }, { header: { name: '../escape.txt', type: 'file' }, body: 'out' }]);
    const blob = gzipSync(hostile);
    await pushCrafted(reg, 'verify/hostile', blob, sha256(hostile));
    const root = freshRoot();
    const e = await pullFails(`${reg.host}/verify/hostile:1`, root);
    assert.equal(e.code, 'UNSAFE_PATH');
    assert.match(e.message, /\.\.\/escape\.txt/);
    await assertNothingStored(root, sha256(blob));
  });

  it('corrupt gzip behind a right digest is a clear INVALID_ARCHIVE, and nothing is stored', async () => {
    const blob = Buffer.from(gz);
    blob[blob.length - 8] = blob[blob.length - 8]! ^ 0x5a; // the CRC-32 in the trailer
    await pushCrafted(reg, 'verify/corrupt', blob, sha256(tar));
    const root = freshRoot();
    const e = await pullFails(`${reg.host}/verify/corrupt:1`, root);
    assert.equal(e.code, 'INVALID_ARCHIVE');
    assert.match(e.message, /corrupt gzip data: incorrect data check/);
    await assertNothingStored(root, sha256(blob));
  });

  it('a gzip stream cut short (digest of the short bytes) is refused, and nothing is stored', async () => {
    const blob = gz.subarray(0, Math.floor(gz.length * 0.7));
    await pushCrafted(reg, 'verify/short', blob, sha256(tar));
    const root = freshRoot();
    const e = await pullFails(`${reg.host}/verify/short:1`, root);
    assert.equal(e.code, 'INVALID_ARCHIVE');
    assert.match(e.message, /unexpected end|truncated|ends/i);
    await assertNothingStored(root, sha256(blob));
  });
});

describe('ArrivingLayer', () => {
  it('restarts cleanly: garbage written first, then the real blob, gives the real digest and diff_id', async () => {
    const root = freshRoot();
    const store = await Store.open(root);
    const tar = await bigTar();
    const gz = gzipSync(tar);
    const layer = await ArrivingLayer.open(store.blobs);
    await layer.write(randomBytes(300_000)); // not gzip at all: the check fails, quietly, until restart
    await layer.write(gz.subarray(0, 100_000));
    await layer.restart();
    for (let off = 0; off < gz.length; off += 65_536) await layer.write(gz.subarray(off, off + 65_536));
    assert.equal(layer.digest(), sha256(gz));
    assert.deepEqual(await layer.finish(), { diffId: sha256(tar), diffSize: tar.length, compression: 'gzip' });
    await layer.commit({ digest: sha256(gz), size: gz.length });
    assert.ok((await store.blobs.read(sha256(gz))).equals(gz));
    await layer.abort(); // a no-op after commit
    assert.ok(await store.blobs.has(sha256(gz)));
    assert.deepEqual(readdirSync(path.join(root, 'tmp')), []);
  });

  it('takes a zstd layer (decompressed by the zstd binding or CLI as it arrives)', { skip: zstdBackend() === null && 'no zstd' }, async () => {
    const store = await Store.open(freshRoot());
    const tar = await bigTar();
    const zst = await collect(Readable.from([tar]).pipe(createCompressStream('zstd')));
    const layer = await ArrivingLayer.open(store.blobs);
    for (let off = 0; off < zst.length; off += 65_536) await layer.write(zst.subarray(off, off + 65_536));
    assert.deepEqual(await layer.finish(), { diffId: sha256(tar), diffSize: tar.length, compression: 'zstd' });
    await layer.commit({ digest: sha256(zst), size: zst.length });
    assert.ok(await store.blobs.has(sha256(zst)));
  });

  it('takes an uncompressed layer and a blob shorter than the magic bytes', async () => {
    const store = await Store.open(freshRoot());
    const tar = await tarOf([{ header: { name: 'a', type: 'file' }, body: 'x' }]);
    const plain = await ArrivingLayer.open(store.blobs);
    for (let off = 0; off < tar.length; off += 3) await plain.write(tar.subarray(off, off + 3));
    assert.deepEqual(await plain.finish(), { diffId: sha256(tar), diffSize: tar.length, compression: 'none' });
    await plain.abort();
    const tiny = await ArrivingLayer.open(store.blobs);
    await tiny.write(Buffer.from([0x1f]));
    await assert.rejects(tiny.finish(), (e: unknown) => e instanceof BerthError && e.code === 'INVALID_ARCHIVE');
    await tiny.abort();
  });
});
