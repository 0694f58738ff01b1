// The multi-core gzip compressor: one standard gzip member (header, one deflate stream, CRC-32 and
// ISIZE trailer) that zlib, the gzip CLI and Go's reader (skopeo) all decompress to the input, for
// empty, 1-byte, exactly-one-block, one-block-plus-one and many-block inputs; output independent of
// how many blocks run at once; ratio that of a single zlib stream.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { crc32, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { GZIP_BLOCK, createParallelGzip, type ParallelGzipOptions } from '../../src/layer/parallel-gzip.ts';
import { findExecutable } from '../../src/layer/process-filter.ts';
import { collect, removeDir, run, tempDir } from './helpers.ts';

const KiB = 1024;

async function gzip(input: Buffer, opts: ParallelGzipOptions = {}, pieces = 7): Promise<Buffer> {
  // Fed in uneven pieces, so blocks straddle the writes.
  const parts: Buffer[] = [];
  const step = Math.max(1, Math.ceil(input.length / pieces));
  for (let off = 0; off < input.length; off += step) parts.push(input.subarray(off, off + step));
  return collect(Readable.from(parts).pipe(createParallelGzip(opts)));
}

/** Half random, half repetitive: both deflate paths (stored-like and matched) are exercised. */
function sample(size: number): Buffer {
  const b = Buffer.alloc(size);
  randomBytes(size >> 1).copy(b);
  for (let i = size >> 1; i < size; i++) b[i] = (i * 31) % 7;
  return b;
}

function assertMember(out: Buffer, input: Buffer): void {
  assert.deepEqual([...out.subarray(0, 4)], [0x1f, 0x8b, 8, 0], 'gzip magic, deflate, no flags');
  assert.equal(out.readUInt32LE(out.length - 8), crc32(input), 'trailer CRC-32');
  assert.equal(out.readUInt32LE(out.length - 4), input.length % 2 ** 32, 'trailer ISIZE');
  // The body is one raw deflate stream that ends exactly before the trailer.
  assert.ok(inflateRawSync(out.subarray(10, out.length - 8)).equals(input), 'one deflate stream');
  assert.ok(gunzipSync(out).equals(input), 'zlib gunzip');
}

describe('parallel gzip', () => {
  let dir = '';
  before(async () => { dir = await tempDir('berth-pgzip-'); });
  after(async () => removeDir(dir));

  const sizes: Array<[string, number, ParallelGzipOptions]> = [
    ['empty', 0, {}],
    ['1 byte', 1, {}],
    ['exactly one block', GZIP_BLOCK, {}],
    ['one block and one byte', GZIP_BLOCK + 1, {}],
    ['many blocks (5.5 MiB)', 5 * GZIP_BLOCK + GZIP_BLOCK / 2, {}],
    ['many small blocks, smaller than the window', 300 * KiB + 3, { blockSize: 10 * KiB }],
  ];
  for (const [name, size, opts] of sizes) {
    it(`${name}: one gzip member with the right CRC and size, read back by zlib and gzip(1)`, async () => {
      const input = sample(size);
      const out = await gzip(input, opts);
      assertMember(out, input);
      const file = join(dir, `s${size}.gz`);
      await writeFile(file, out);
      await run('gzip', ['-t', file]);
      const back = await run('sh', ['-c', `gzip -dc '${file}' | sha256sum`]);
      assert.equal(back.split(' ')[0], createHash('sha256').update(input).digest('hex'));
    });
  }

  it('gives the same bytes whatever the number of blocks in flight, and each level as asked', async () => {
    const input = sample(3 * GZIP_BLOCK + 12345);
    const one = await gzip(input, { jobs: 1 });
    const four = await gzip(input, { jobs: 4 }, 50);
    assert.ok(one.equals(four));
    for (const level of [1, 9]) {
      const out = await gzip(input, { level });
      assertMember(out, input);
      assert.equal(out[8], level === 9 ? 2 : 4, 'XFL as zlib writes it');
    }
  });

  it('compresses as well as one zlib stream (each block primed with the last 32 KiB)', async () => {
    // Repeats at a 20 KiB period (inside the window): across block boundaries only with the dictionary.
    const unit = randomBytes(20 * KiB);
    const input = Buffer.concat(Array.from({ length: 100 }, () => unit));
    const out = await gzip(input, { blockSize: 64 * KiB });
    assertMember(out, input);
    const single = gzipSync(input).length;
    assert.ok(out.length < single * 1.02, `${out.length} bytes vs ${single} from one stream`);
  });

  it("Go's gzip reader (skopeo --dest-decompress) reads a many-block layer back to the same tar", { skip: !findExecutable('skopeo') && 'skopeo is not installed' }, async () => {
    const layer = sample(3 * GZIP_BLOCK + 777);
    const gz = await gzip(layer);
    const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const layout = join(dir, 'layout');
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    const put = async (b: Buffer): Promise<string> => { const d = sha(b); await writeFile(join(layout, 'blobs', 'sha256', d.slice(7)), b); return d; };
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: await put(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: await put(gz), size: gz.length }],
    }));
    const md = await put(manifest);
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(layout, 'index.json'), JSON.stringify({
      schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'x' } }],
    }));
    const out = join(dir, 'skopeo-out');
    await run('skopeo', ['copy', '--dest-decompress', `oci:${layout}:x`, `dir:${out}`]);
    const files = await readdir(out);
    const plain = await Promise.all(files.map(async (f) => readFile(join(out, f))));
    assert.ok(plain.some((b) => b.equals(layer)), `skopeo wrote ${files.join(', ')}; none is the input`);
  });
});
