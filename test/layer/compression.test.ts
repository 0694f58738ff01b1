// Compression detection and round trips (gzip, zstd), one-pass digests checked against sha256sum, the bomb guard.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import {
  compressLayer,
  createDecompressStream,
  decompressLayer,
  detectCompression,
  openDecompressed,
  writeLayerBlob,
  zstdBackend,
  type OutputCompression,
} from '../../src/layer/index.ts';
import { findExecutable } from '../../src/layer/process-filter.ts';
import { collect, rejectsWith, removeDir, run, tarOf, tempDir } from './helpers.ts';

const hasZstd = zstdBackend() !== null;

/** A gzip stream of `mib` MiB of zeros, made of concatenated 1 MiB members (a valid gzip file). */
function* zeroBomb(mib: number): Generator<Buffer> {
  const member = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  for (let i = 0; i < mib; i++) yield member;
}

describe('compression', () => {
  let dir = '';
  let tar: Buffer;
  before(async () => {
    dir = await tempDir();
    tar = await tarOf([
      { header: { name: 'a', type: 'dir' } },
      { header: { name: 'a/text', type: 'file', mtime: 1 }, body: 'hello world\n'.repeat(5000) },
      { header: { name: 'a/rand', type: 'file' }, body: Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 251)) },
    ]);
    await writeFile(join(dir, 'layer.tar'), tar);
  });
  after(async () => removeDir(dir));

  it('detects formats by magic bytes', () => {
    assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
    assert.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
    assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
    assert.equal(detectCompression(tar), 'none');
    assert.equal(detectCompression(Buffer.alloc(0)), 'none');
  });

  for (const compression of ['none', 'gzip', 'zstd'] as OutputCompression[]) {
    it(`${compression}: round trip, and digests equal sha256sum of the plain and the compressed file`, { skip: compression === 'zstd' && !hasZstd && 'no zstd' }, async () => {
      const blob = join(dir, `layer.${compression}`);
      const d = await writeLayerBlob(Readable.from([tar]), createWriteStream(blob), compression);
      const [plainSum, blobSum] = await Promise.all([
        run('sha256sum', [join(dir, 'layer.tar')]),
        run('sha256sum', [blob]),
      ]);
      assert.equal(d.diffId, `sha256:${plainSum.split(' ')[0]}`);
      assert.equal(d.digest, `sha256:${blobSum.split(' ')[0]}`);
      assert.equal(d.size, (await stat(blob)).size);
      assert.equal(d.uncompressedSize, tar.length);
      if (compression === 'none') assert.equal(d.digest, d.diffId);
      else assert.ok(d.size < tar.length);

      const opened = await openDecompressed(createReadStream(blob));
      assert.equal(opened.compression, compression);
      assert.deepEqual(await collect(opened.stream), tar);

      const back = await decompressLayer(createReadStream(blob));
      assert.deepEqual(await collect(back.stream), tar);
      assert.deepEqual(await back.digests, d);
    });
  }

  it('zstd: interoperates with the zstd CLI both ways', { skip: !findExecutable('zstd') && 'no zstd CLI' }, async () => {
    const ours = join(dir, 'ours.zst');
    const { stream } = compressLayer(Readable.from([tar]), 'zstd');
    await pipeline(stream, createWriteStream(ours));
    await run('zstd', ['-q', '-d', '-f', ours, '-o', join(dir, 'from-ours.tar')]);
    assert.deepEqual(await readFile(join(dir, 'from-ours.tar')), tar);
    await run('zstd', ['-q', '-19', '-f', join(dir, 'layer.tar'), '-o', join(dir, 'theirs.zst')]);
    const opened = await openDecompressed(createReadStream(join(dir, 'theirs.zst')));
    assert.equal(opened.compression, 'zstd');
    assert.deepEqual(await collect(opened.stream), tar);
  });

  it('a corrupt zstd stream fails with the tool message', { skip: !hasZstd && 'no zstd' }, async () => {
    const bad = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100, 0x55)]);
    const opened = await openDecompressed(Readable.from([bad]));
    await assert.rejects(collect(opened.stream), /zstd/);
  });

  it('without zstd-napi or the zstd CLI, zstd is a clear MISSING_DEPENDENCY error', { skip: zstdBackend() === 'napi' && 'zstd-napi installed' }, () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      assert.throws(() => createDecompressStream('zstd'), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'MISSING_DEPENDENCY');
        assert.match(e.message, /zstd is not available/);
        return true;
      });
    } finally {
      process.env['PATH'] = saved;
    }
  });

  it('bomb guard: 1 GiB of gzipped zeros stops at a 10 MiB limit', async () => {
    const started = Date.now();
    const opened = await openDecompressed(Readable.from(zeroBomb(1024)), { maxSize: 10 << 20 });
    await rejectsWith(collect(opened.stream), 'INVALID_ARCHIVE', /decompressed size exceeds the limit of 10485760 bytes/);
    assert.ok(Date.now() - started < 5000, 'stopped early');
    const viaDigests = await decompressLayer(Readable.from(zeroBomb(1024)), { maxSize: 10 << 20 });
    await rejectsWith(collect(viaDigests.stream), 'INVALID_ARCHIVE', /exceeds/);
  });
});
