// Gzip on several cores, pigz-style: the input is cut into 1 MiB blocks, each raw-deflated on its
// own (node's async zlib runs in the libuv thread pool, so blocks compress in parallel) with the
// previous block's last 32 KiB as its dictionary, so the ratio stays that of one stream. Every
// block but the last ends with a sync flush (byte-aligned, no final bit), the last with a finish;
// their concatenation is one deflate stream, wrapped in one gzip header and trailer (CRC-32 of the
// whole input, its size mod 2^32): a single standard gzip member that any reader takes. The output
// depends only on the input and the level, never on thread timing, so digests are reproducible.
import { availableParallelism } from 'node:os';
import { Duplex, type Readable } from 'node:stream';
import { constants as zc, crc32, deflateRaw } from 'node:zlib';

export const GZIP_BLOCK = 1 << 20;
/** deflate's window: how far back a match may reach, so how much of the previous block helps. */
const WINDOW = 32 * 1024;

export interface ParallelGzipOptions {
  /** 1-9; default zlib's 6 (docker's gzip level too). */
  level?: number | undefined;
  /** Blocks compressed at once (default: one more than the CPUs, 2 to 4; the thread pool has 4 threads). */
  jobs?: number | undefined;
  /** Block size (tests use small ones to reach many blocks). */
  blockSize?: number | undefined;
}

function gzipHeader(level: number): Buffer {
  // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL OS=unix. XFL as zlib writes it: 2 = best, 4 = fastest.
  const xfl = level === 9 ? 2 : level === 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}

function deflateBlock(block: Buffer, level: number, dictionary: Buffer | undefined, last: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(block, {
      level, finishFlush: last ? zc.Z_FINISH : zc.Z_SYNC_FLUSH, chunkSize: Math.max(64 * 1024, block.length + (block.length >> 4) + 1024), ...(dictionary ? { dictionary } : {}),
    }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

async function* gzipBlocks(source: AsyncIterable<Buffer | Uint8Array>, opts: ParallelGzipOptions): AsyncGenerator<Buffer> {
  const level = opts.level === undefined || opts.level === zc.Z_DEFAULT_COMPRESSION ? 6 : opts.level;
  const size = opts.blockSize ?? GZIP_BLOCK;
  const jobs = opts.jobs ?? Math.max(2, Math.min(4, availableParallelism() + 1));
  const queue: Array<Promise<Buffer>> = [];
  let crc = 0;
  let total = 0;
  let block = Buffer.allocUnsafe(size);
  let fill = 0;
  let dictionary: Buffer | undefined;
  const start = (last: boolean): void => {
    const data = block.subarray(0, fill);
    const job = deflateBlock(data, level, dictionary, last);
    job.catch(() => undefined); // awaited in order below; a failure surfaces there
    queue.push(job);
    // The next block's dictionary is this one's tail; a new buffer, so the tail stays intact.
    dictionary = data.length >= WINDOW ? data.subarray(data.length - WINDOW) : data.length > 0 ? data : dictionary;
    block = Buffer.allocUnsafe(size);
    fill = 0;
  };
  yield gzipHeader(level);
  for await (const c of source) {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    crc = crc32(chunk, crc);
    total = (total + chunk.length) % 2 ** 32;
    for (let off = 0; off < chunk.length;) {
      const n = chunk.copy(block, fill, off);
      fill += n;
      off += n;
      if (fill === size) {
        start(false);
        while (queue.length >= jobs) yield await queue.shift()!;
      }
    }
  }
  start(true); // possibly empty: then it is just the final empty block
  while (queue.length > 0) yield await queue.shift()!;
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(total, 4);
  yield trailer;
}

/** A gzip compressor stream (write plain bytes, read one gzip member) that uses several cores. */
export function createParallelGzip(opts: ParallelGzipOptions = {}): Duplex {
  return Duplex.from(async function* (source: Readable) {
    yield* gzipBlocks(source as AsyncIterable<Buffer>, opts);
  });
}
