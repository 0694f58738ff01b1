// PushedLayerCheck: a layer fed chunk by chunk, where the caller reuses each chunk's memory as soon
// as feed() settles (a download's receive buffers). diff_id and size are right for gzip, zstd and
// plain tar even though every chunk is overwritten right after it is taken; failures are kept
// until end() and come out typed.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createCompressStream, PushedLayerCheck, zstdBackend } from '../../src/layer/index.ts';
import { collect, rejectsWith, tarOf } from './helpers.ts';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Feeds `blob` through one buffer that is scribbled over after every chunk is taken. */
async function feedReusing(check: PushedLayerCheck, blob: Buffer, step: number): Promise<void> {
  const slot = Buffer.alloc(step);
  for (let off = 0; off < blob.length; off += step) {
    const n = blob.copy(slot, 0, off, off + step);
    await check.feed(slot.subarray(0, n));
    slot.fill(0xa5);
  }
}

async function layerTar(): Promise<Buffer> {
  return tarOf([
    { header: { name: 'data', type: 'dir' } },
    { header: { name: 'data/noise.bin', type: 'file' }, body: randomBytes(600_000) },
    { header: { name: 'data/text.txt', type: 'file' }, body: Buffer.from('text that compresses\n'.repeat(40_000)) },
  ]);
}

describe('PushedLayerCheck', () => {
  it('gzip and plain tar: right diff_id with chunks whose memory is reused at once', async () => {
    const big = await layerTar();
    const small = await tarOf([{ header: { name: 'f', type: 'file' }, body: 'small layer '.repeat(300) }]);
    for (const [tar, steps] of [[big, [65_536, 777]], [small, [1]]] as const) {
      for (const [blob, compression] of [[gzipSync(tar), 'gzip'], [tar, 'none']] as const) {
        for (const step of steps) {
          const check = new PushedLayerCheck();
          await feedReusing(check, blob, step);
          assert.deepEqual(await check.end(), { diffId: sha256(tar), diffSize: tar.length, compression }, `${compression}, chunks of ${step}`);
        }
      }
    }
  });

  it('zstd (a stream decoder) copies what it keeps', { skip: zstdBackend() === null && 'no zstd' }, async () => {
    const tar = await layerTar();
    const zst = await collect(Readable.from([tar]).pipe(createCompressStream('zstd')));
    const check = new PushedLayerCheck();
    await feedReusing(check, zst, 16_384);
    assert.deepEqual(await check.end(), { diffId: sha256(tar), diffSize: tar.length, compression: 'zstd' });
  });

  it('a first chunk shorter than the magic bytes is kept until the next', async () => {
    const tar = await layerTar();
    const gz = gzipSync(tar);
    const check = new PushedLayerCheck();
    await feedReusing(check, gz.subarray(0, 2), 2);
    await feedReusing(check, gz.subarray(2), 65_536);
    assert.equal((await check.end()).diffId, sha256(tar));
  });

  it('keeps the first failure until end(): corrupt gzip, a bomb, an unsound entry, an empty blob', async () => {
    const tar = await layerTar();
    const gz = gzipSync(tar);
    gz[gz.length - 8]! ^= 0xff;
    const corrupt = new PushedLayerCheck();
    await feedReusing(corrupt, gz, 65_536);
    await corrupt.feed(Buffer.from('more bytes after the failure are ignored'));
    await rejectsWith(corrupt.end(), 'INVALID_ARCHIVE', /corrupt gzip data: incorrect data check/);

    const bomb = new PushedLayerCheck({ maxUncompressed: 100_000 });
    await feedReusing(bomb, gzipSync(tar), 65_536);
    await rejectsWith(bomb.end(), 'INVALID_ARCHIVE', /exceeds the limit of 100000 bytes/);

    const hostile = new PushedLayerCheck();
    await feedReusing(hostile, gzipSync(await tarOf([{ header: { name: '../up', type: 'file' }, body: 'x' }])), 100);
    await rejectsWith(hostile.end(), 'UNSAFE_PATH', /'\.\.\/up'/);

    await rejectsWith(new PushedLayerCheck().end(), 'INVALID_ARCHIVE', /no end-of-archive marker/);
  });
});
