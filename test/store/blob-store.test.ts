// BlobStore against the real filesystem: digests and sizes checked with sha256sum and stat, nothing
// committed (and no temp file left) when an expectation fails, limits, idempotence, corruption.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Store } from '../../src/store/index.ts';
import { BerthError } from '../../src/util/errors.ts';
import { listTemp, sha256, tempRoot } from './helpers.ts';

const isBerth = (code: string) => (e: unknown): boolean => e instanceof BerthError && e.code === code;

async function blobFiles(root: string): Promise<string[]> {
  return readdir(path.join(root, 'blobs', 'sha256'));
}

function sha256sum(file: string): string {
  return 'sha256:' + execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

/** A stream of `total` bytes in `chunk`-sized pieces, never buffered whole. */
function* pieces(total: number, chunk: number, fill = 0x61): Generator<Buffer> {
  for (let o = 0; o < total; o += chunk) yield Buffer.alloc(Math.min(chunk, total - o), fill);
}

describe('BlobStore.put', () => {
  it('stores bytes under their sha256; digest and size match sha256sum and stat', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const data = randomBytes(100_000);
    const info = await store.blobs.put(data);
    const file = store.blobs.path(info.digest);
    assert.equal(info.digest, sha256sum(file));
    assert.equal(info.digest, sha256(data));
    assert.equal(info.size, (await stat(file)).size);
    assert.equal(info.size, data.length);
    assert.deepEqual(await store.blobs.read(info.digest), data);
    assert.equal(await store.blobs.size(info.digest), data.length);
    assert.deepEqual(await store.blobs.list(), [info.digest]);
    assert.deepEqual(await listTemp(root), []);
  });

  it('stores a stream (Readable and async generator) without buffering it', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const total = 5 * 1024 * 1024 + 17;
    const expected = sha256(Buffer.concat([...pieces(total, 64 * 1024)]));
    const a = await store.blobs.put(Readable.from(pieces(total, 64 * 1024)), { digest: expected, size: total });
    assert.deepEqual(a, { digest: expected, size: total });
    assert.equal(sha256sum(store.blobs.path(expected)), expected);
    assert.equal((await stat(store.blobs.path(expected))).size, total);

    const gen = (async function* () { yield Buffer.from('hello '); yield new Uint8Array(Buffer.from('world')); })();
    const b = await store.blobs.put(gen);
    assert.deepEqual(b, { digest: sha256('hello world'), size: 11 });
    assert.equal(sha256sum(store.blobs.path(b.digest)), b.digest);
    assert.deepEqual(await listTemp(root), []);
  });

  it('a wrong expected digest or size stores nothing and leaves no temp file', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const data = Buffer.from('the real content');
    const other = sha256('other content');
    await assert.rejects(store.blobs.put(data, { digest: other }), isBerth('INVALID_ARCHIVE'));
    await assert.rejects(store.blobs.put(Readable.from([data]), { digest: other }), /does not match its digest/);
    await assert.rejects(store.blobs.put(data, { digest: sha256(data), size: data.length + 1 }), isBerth('INVALID_ARCHIVE'));
    await assert.rejects(store.blobs.put(data, { digest: sha256(data), size: data.length - 1 }), isBerth('INVALID_ARCHIVE'));
    await assert.rejects(store.blobs.put(Readable.from(pieces(10_000, 1000)), { size: 9_999 }), isBerth('INVALID_ARCHIVE'));
    assert.deepEqual(await blobFiles(root), []);
    assert.equal(await store.blobs.has(other), false);
    assert.equal(await store.blobs.has(sha256(data)), false);
    assert.deepEqual(await listTemp(root), []);
  });

  it('stops reading a stream as soon as it outgrows its announced size', async (t) => {
    // A server that sends more than the descriptor says (or never stops) must not fill the disk.
    const root = await tempRoot(t);
    const store = await Store.open(root);
    let produced = 0;
    const endless = (async function* () {
      for (;;) { produced += 4096; yield Buffer.alloc(4096, 1); }
    })();
    await assert.rejects(store.blobs.put(endless, { digest: sha256('x'), size: 10_000 }), isBerth('INVALID_ARCHIVE'));
    assert.ok(produced <= 16_384, `read ${produced} bytes of a blob announced as 10000`);
    assert.deepEqual(await blobFiles(root), []);
    assert.deepEqual(await listTemp(root), []);
  });

  it('maxSize refuses a larger stream and discards what was read', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    let produced = 0;
    const src = Readable.from((function* () { for (const p of pieces(1024 * 1024, 8192)) { produced += p.length; yield p; } })());
    await assert.rejects(store.blobs.put(src, { maxSize: 100_000 }), (e: unknown) => isBerth('INVALID_ARCHIVE')(e) && /larger than the 100000 bytes/.test((e as Error).message));
    assert.ok(produced < 200_000, `read ${produced} bytes past a 100000-byte limit`);
    assert.deepEqual(await blobFiles(root), []);
    assert.deepEqual(await listTemp(root), []);
    // Exactly at the limit is fine.
    const ok = await store.blobs.put(Buffer.alloc(100_000), { maxSize: 100_000 });
    assert.equal(ok.size, 100_000);
  });

  it('re-putting an existing blob is a no-op', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const data = randomBytes(4096);
    const first = await store.blobs.put(data);
    const file = store.blobs.path(first.digest);
    const before = await stat(file);
    assert.deepEqual(await store.blobs.put(data), first);
    assert.deepEqual(await store.blobs.put(data, { digest: first.digest }), first);
    assert.deepEqual(await store.blobs.put(Readable.from([data]), { digest: first.digest, size: data.length }), first);
    const after = await stat(file);
    assert.equal(after.ino, before.ino);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.deepEqual(await blobFiles(root), [first.digest.slice(7)]);
    assert.deepEqual(await listTemp(root), []);
  });

  it('re-putting an existing blob still checks the announced size', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const data = randomBytes(4096);
    const { digest } = await store.blobs.put(data);
    await assert.rejects(store.blobs.put(data, { digest, size: 4095 }), isBerth('INVALID_ARCHIVE'));
    await assert.rejects(store.blobs.put(Buffer.from('not it'), { digest }), isBerth('INVALID_ARCHIVE'));
    assert.equal(sha256sum(store.blobs.path(digest)), digest);
  });

  it('verify detects a blob corrupted on disk', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const { digest } = await store.blobs.put(randomBytes(10_000));
    assert.equal(await store.blobs.verify(digest), true);
    const file = store.blobs.path(digest);
    const bytes = await store.blobs.read(digest);
    bytes[5000] = bytes[5000]! ^ 0xff;
    await writeFile(file, bytes);
    assert.equal(await store.blobs.verify(digest), false);
    await writeFile(file, bytes.subarray(0, 9_999));
    assert.equal(await store.blobs.verify(digest), false);
  });

  it('rejects invalid digest strings everywhere', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const hex = 'a'.repeat(64);
    const bad = [
      '', 'sha256:', `sha256:${hex.slice(1)}`, `sha256:${hex}0`, `sha256:${hex.toUpperCase()}`, `md5:${'a'.repeat(32)}`,
      `sha512:${'a'.repeat(128)}`, 'sha256:../../../../etc/passwd', `sha256:${'a'.repeat(62)}/.`, hex, ` sha256:${hex}`, `sha256:${hex}\n`,
    ];
    for (const d of bad) {
      assert.throws(() => store.blobs.path(d), isBerth('INVALID_ARGUMENT'), JSON.stringify(d));
      await assert.rejects(store.blobs.has(d), isBerth('INVALID_ARGUMENT'), JSON.stringify(d));
      await assert.rejects(store.blobs.read(d), isBerth('INVALID_ARGUMENT'), JSON.stringify(d));
      await assert.rejects(store.blobs.put(Buffer.from('x'), { digest: d }), isBerth('INVALID_ARGUMENT'), JSON.stringify(d));
      await assert.rejects(store.blobs.delete(d), isBerth('INVALID_ARGUMENT'), JSON.stringify(d));
    }
    assert.deepEqual(await blobFiles(root), []);
    assert.deepEqual(await listTemp(root), []);
  });

  it('a missing blob is NOT_FOUND', async (t) => {
    const store = await Store.open(await tempRoot(t));
    const d = sha256('absent');
    assert.equal(await store.blobs.has(d), false);
    await assert.rejects(store.blobs.read(d), isBerth('NOT_FOUND'));
    await assert.rejects(store.blobs.size(d), isBerth('NOT_FOUND'));
  });

  it('a short write (file size limit, as with ENOSPC) never commits a truncated blob', async (t) => {
    // write(2) on a regular file may write less than asked when space or RLIMIT_FSIZE runs out;
    // node ignores SIGXFSZ, so under `prlimit --fsize` a write crossing the limit is short.
    const root = await tempRoot(t);
    await Store.open(root);
    const probe = spawnSync('prlimit', ['--version']);
    if (probe.status !== 0) { t.skip('prlimit (util-linux) is not installed'); return; }
    const script = `
      import { Store } from ${JSON.stringify(new URL('../../src/store/index.ts', import.meta.url).href)};
      const store = await Store.open(process.argv[1]);
      const data = Buffer.alloc(300000, 7);
      try { await store.blobs.put(data); console.log('stored'); } catch (e) { console.log('refused ' + (e.code ?? '')); }
    `;
    const r = spawnSync('prlimit', ['--fsize=200000', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script, root], {
      encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^refused EFBIG/m);
    assert.deepEqual(await blobFiles(root), []);
    assert.deepEqual(await listTemp(root), []);
  });
});
