// Flat memory: a generated 1 GiB entry goes writer → reader (and a digesting gzip pass) without RSS growing with it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import { compressLayer, decompressLayer, packTar, readTar, type TarSourceEntry } from '../../src/layer/index.ts';

const MiB = 1 << 20;

/** `total` bytes, mostly zeros with a marker every MiB ("sparse-ish"); one reused buffer, nothing stored. */
function* sparse(total: number): Generator<Buffer> {
  const chunk = Buffer.alloc(MiB);
  for (let off = 0; off < total; off += MiB) {
    chunk.writeUInt32BE(off / MiB, 0);
    yield Buffer.from(chunk); // a copy, since consumers may still hold the previous one
  }
}

function* entries(size: number): Generator<TarSourceEntry> {
  yield { header: { name: 'before', type: 'file' }, body: 'small' };
  yield { header: { name: 'big.bin', type: 'file', size }, body: sparse(size) };
  yield { header: { name: 'after', type: 'file' }, body: 'tail' };
}

function expectedHash(size: number): string {
  const h = createHash('sha256');
  for (const c of sparse(size)) h.update(c);
  return h.digest('hex');
}

describe('memory stays flat', () => {
  it('writes and reads a 1 GiB entry with RSS growth under 100 MB', async () => {
    const size = 1024 * MiB;
    const want = expectedHash(64 * MiB); // the first 64 MiB, checked below
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const names: string[] = [];
    for await (const { header, body } of readTar(packTar(entries(size)))) {
      names.push(header.name);
      let n = 0;
      const h = createHash('sha256');
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (n < 64 * MiB) h.update(chunk.subarray(0, Math.min(chunk.length, 64 * MiB - n)));
        n += chunk.length;
        if ((n & (16 * MiB - 1)) < chunk.length) peak = Math.max(peak, process.memoryUsage().rss);
      }
      assert.equal(n, header.size);
      if (header.name === 'big.bin') assert.equal(h.digest('hex'), want);
    }
    assert.deepEqual(names, ['before', 'big.bin', 'after']);
    const growth = peak - baseline;
    assert.ok(growth < 100 * 1e6, `RSS grew by ${(growth / 1e6).toFixed(1)} MB`);
  });

  it('compresses, digests and decompresses 256 MiB in one pass with flat RSS', async () => {
    const size = 256 * MiB;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const { stream, digests } = compressLayer(packTar(entries(size)), 'gzip', { level: 1 });
    const back = await decompressLayer(stream);
    let n = 0;
    for await (const { body } of readTar(back.stream)) {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        n += chunk.length;
        if ((n & (16 * MiB - 1)) < chunk.length) peak = Math.max(peak, process.memoryUsage().rss);
      }
    }
    assert.equal(n, size + 9);
    const [made, seen] = await Promise.all([digests, back.digests]);
    assert.equal(seen.diffId, made.diffId);
    assert.equal(seen.digest, made.digest);
    assert.equal(seen.size, made.size);
    assert.ok(peak - baseline < 100 * 1e6, `RSS grew by ${((peak - baseline) / 1e6).toFixed(1)} MB`);
  });
});
