// GunzipLoop (gunzip of pushed chunks into one reused output buffer) against zlib.gunzipSync as
// the oracle: same bytes for one and several members whatever the chunking, zero padding after
// the last member accepted, and the same failures for garbage, a cut-short stream and a bad CRC.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GunzipLoop } from '../../src/layer/gunzip-loop.ts';

/** Feeds `gz` in chunks of `step`; the output's sha256 and size (pieces are hashed at once: the buffer is reused). */
function inflate(gz: Buffer, step: number): { sha: string; size: number } {
  const loop = GunzipLoop.open();
  assert.ok(loop, 'node\'s zlib binding has the expected shape');
  const hash = createHash('sha256');
  let size = 0;
  const take = (plain: Buffer): void => { hash.update(plain); size += plain.length; };
  for (let off = 0; off < gz.length; off += step) loop.write(gz.subarray(off, off + step), take);
  loop.end(take);
  return { sha: hash.digest('hex'), size };
}

function oracle(gz: Buffer): { sha: string; size: number } {
  const plain = gunzipSync(gz);
  return { sha: createHash('sha256').update(plain).digest('hex'), size: plain.length };
}

const mixed = Buffer.concat([randomBytes(300_000), Buffer.from('compressible text\n'.repeat(50_000))]);

describe('GunzipLoop', () => {
  it('inflates one member like gunzipSync, whatever the chunking (output far larger than its buffer)', () => {
    const gz = gzipSync(mixed);
    for (const step of [gz.length, 1 << 16, 4099, 1]) assert.deepEqual(inflate(gz, step), oracle(gz), `chunks of ${step}`);
  });

  it('reads concatenated members on, also when a member ends at a chunk boundary', () => {
    const first = gzipSync(Buffer.from('first member\n'.repeat(1000)));
    const gz = Buffer.concat([first, gzipSync(randomBytes(70_000)), gzipSync(Buffer.alloc(0))]);
    for (const step of [gz.length, first.length, 100, 1]) assert.deepEqual(inflate(gz, step), oracle(gz), `chunks of ${step}`);
  });

  it('accepts zero padding after the last member and refuses other trailing bytes', () => {
    const gz = gzipSync(Buffer.from('padded'));
    const padded = Buffer.concat([gz, Buffer.alloc(1000)]);
    assert.deepEqual(inflate(padded, 7), oracle(padded));
    const garbage = Buffer.concat([gz, Buffer.from('garbage')]);
    assert.throws(() => gunzipSync(garbage));
    for (const step of [garbage.length, gz.length, 1]) {
      assert.throws(() => inflate(garbage, step), (e: NodeJS.ErrnoException) => e.code === 'Z_DATA_ERROR' && /incorrect header check/.test(e.message));
    }
  });

  it('fails at end() on a stream cut short, and on empty input', () => {
    const gz = gzipSync(mixed);
    for (const cut of [gz.length - 1, gz.length - 8, 5000, 10, 0]) {
      assert.throws(() => inflate(gz.subarray(0, cut), 4096), (e: NodeJS.ErrnoException) => /unexpected end of file/.test(e.message) && /^Z_/.test(String(e.code)), `cut at ${cut}`);
    }
  });

  it('fails on a wrong CRC or length in the trailer, and on corrupt deflate data', () => {
    const gz = gzipSync(mixed);
    const crc = Buffer.from(gz);
    crc[crc.length - 8]! ^= 0xff;
    assert.throws(() => inflate(crc, 65_536), (e: Error) => /incorrect data check/.test(e.message));
    const len = Buffer.from(gz);
    len[len.length - 1]! ^= 0x01;
    assert.throws(() => inflate(len, 65_536), (e: Error) => /incorrect length check/.test(e.message));
    const body = Buffer.from(gz);
    body[20]! ^= 0xff;
    assert.throws(() => inflate(body, 65_536), (e: NodeJS.ErrnoException) => /^Z_/.test(String(e.code)));
  });

  it('refuses use after close', () => {
    const loop = GunzipLoop.open()!;
    loop.close();
    assert.throws(() => loop.write(gzipSync(Buffer.from('x')), () => undefined), /after close/);
  });
});
