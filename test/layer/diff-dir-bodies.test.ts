// File bodies in a layer tar made from a directory (src/layer/diff-dir.ts): every size around the
// 1 MiB chunks the tar is handed on in (empty, exactly a chunk, one byte over, several chunks) comes
// out byte for byte as GNU tar reads it back, and a file that grows or shrinks while it is read
// fails the layer instead of giving a tar whose header and body disagree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pumpDiffDir } from '../../src/layer/index.ts';

const MiB = 1 << 20;
let work: string;

before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'berth-diff-bodies-'));
});
after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Deterministic, incompressible-looking bytes. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

async function layerOf(dir: string, sink?: (chunk: Uint8Array, index: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pumpDiffDir(dir, async (chunk) => {
    sink?.(chunk, chunks.length);
    chunks.push(Buffer.from(chunk));
  }, { inFlight: 1 });
  return Buffer.concat(chunks);
}

describe('diff-dir file bodies', () => {
  it('every size around the chunk boundaries round-trips through GNU tar', async () => {
    const dir = path.join(work, 'sizes');
    mkdirSync(dir);
    // The first file's header is 512 bytes: a body of CHUNK - 512 ends the first chunk exactly.
    const sizes: Record<string, number> = {
      'a-empty': 0, 'b-fill': MiB - 512, 'c-one': 1, 'd-chunk': MiB, 'e-over': MiB + 1, 'f-under': MiB - 1, 'g-three': 3 * MiB + 7, 'h-small': 511,
    };
    let seed = 1;
    for (const [name, n] of Object.entries(sizes)) writeFileSync(path.join(dir, name), bytes(n, seed++));
    const tar = await layerOf(dir);
    const out = path.join(work, 'sizes-out');
    mkdirSync(out);
    execFileSync('tar', ['-xf', '-', '-C', out], { input: tar, maxBuffer: 64 * MiB });
    for (const name of Object.keys(sizes)) assert.deepEqual(readFileSync(path.join(out, name)), readFileSync(path.join(dir, name)), name);
  });

  it('a file that grows while it is read fails the layer', async () => {
    const dir = path.join(work, 'grows');
    mkdirSync(dir);
    const file = path.join(dir, 'big');
    writeFileSync(file, bytes(2 * MiB + 100, 7));
    await assert.rejects(layerOf(dir, (_c, i) => { if (i === 0) appendFileSync(file, 'more'); }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.match(e.message, /entry 'big': body is longer than its declared size 2097252/);
      return true;
    });
  });

  it('a file that shrinks while it is read fails the layer', async () => {
    const dir = path.join(work, 'shrinks');
    mkdirSync(dir);
    const file = path.join(dir, 'big');
    writeFileSync(file, bytes(2 * MiB + 100, 9));
    await assert.rejects(layerOf(dir, (_c, i) => { if (i === 0) truncateSync(file, MiB + 10); }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.match(e.message, /entry 'big': body has 1048586 bytes but its declared size is 2097252/);
      return true;
    });
  });
});
