// Layer compression: detection by magic bytes, gzip (node:zlib, on several cores: parallel-gzip.ts), zstd (zstd-napi or the zstd CLI), bomb guard.

import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { PassThrough, Readable, Transform, pipeline, type Duplex } from 'node:stream';
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { BerthError } from '../util/errors.ts';
import { createParallelGzip } from './parallel-gzip.ts';
import { findExecutable, processFilter } from './process-filter.ts';

export type Compression = 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'none';

/** Compressions berth can write. */
export type OutputCompression = 'gzip' | 'zstd' | 'none';

/** Enough leading bytes to tell every supported format apart. */
export const MAGIC_BYTES = 6;

export function detectCompression(head: Uint8Array): Compression {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2'; // "BZh"
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  return 'none';
}

/**
 * Reads the first bytes of `source` to detect its compression; returns a stream that
 * replays them followed by the rest. Destroying the returned stream destroys the source.
 */
export async function sniffCompression(
  source: AsyncIterable<unknown>,
): Promise<{ compression: Compression; stream: Readable }> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < MAGIC_BYTES) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    const b = toBuffer(r.value);
    head.push(b);
    len += b.length;
  }
  const first = Buffer.concat(head);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (first.length > 0) yield first;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield toBuffer(r.value);
      }
    } finally {
      await it.return?.();
    }
  }
  return { compression: detectCompression(first), stream: Readable.from(replay(), { objectMode: false }) };
}

function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.from(String(v));
}

interface ZstdNapi {
  CompressStream: new (params?: Record<string, number>) => Duplex;
  DecompressStream: new () => Duplex;
}

let zstdNapi: ZstdNapi | null | undefined;

/** The optional zstd-napi binding, if installed (loaded once). */
function loadZstdNapi(): ZstdNapi | null {
  if (zstdNapi === undefined) {
    try {
      zstdNapi = createRequire(import.meta.url)('zstd-napi') as ZstdNapi;
    } catch {
      zstdNapi = null;
    }
  }
  return zstdNapi;
}

/** How zstd would be run here: the binding, the CLI, or not at all. */
export function zstdBackend(): 'napi' | 'cli' | null {
  if (loadZstdNapi()) return 'napi';
  return findExecutable('zstd') ? 'cli' : null;
}

function missing(tool: string, format: string, extra = ''): BerthError {
  return new BerthError('MISSING_DEPENDENCY', `cannot handle ${format} data: ${tool} is not available`, {
    hint: `install it (apt-get install -y ${tool})${extra}`,
  });
}

export interface CompressOptions {
  /** gzip 1-9 (default zlib's 6), zstd 1-19 (default 3). */
  level?: number;
}

export function createCompressStream(compression: OutputCompression, opts: CompressOptions = {}): Duplex {
  switch (compression) {
    case 'none':
      return new PassThrough();
    case 'gzip':
      return createParallelGzip({ level: opts.level ?? zlibConstants.Z_DEFAULT_COMPRESSION });
    case 'zstd': {
      const level = opts.level ?? 3;
      const napi = loadZstdNapi();
      if (napi) return new napi.CompressStream({ compressionLevel: level, nbWorkers: cpus().length });
      const cli = findExecutable('zstd');
      if (!cli) throw missing('zstd', 'zstd', ' or the zstd-napi package');
      return processFilter(cli, ['-c', '-q', `-${level}`, '-T0'], 'zstd compression');
    }
  }
}

export function createDecompressStream(compression: Compression): Duplex {
  switch (compression) {
    case 'none':
      return new PassThrough();
    case 'gzip':
      // zlib's 16 KiB default output chunk costs a thread-pool round trip per 16 KiB: for a
      // mostly incompressible layer that overhead is most of the CPU time.
      return createGunzip({ chunkSize: 256 * 1024 });
    case 'zstd': {
      const napi = loadZstdNapi();
      if (napi) return new napi.DecompressStream();
      const cli = findExecutable('zstd');
      if (!cli) throw missing('zstd', 'zstd', ' or the zstd-napi package');
      return processFilter(cli, ['-d', '-c', '-q'], 'zstd decompression');
    }
    case 'bzip2': {
      const cli = findExecutable('bzip2');
      if (!cli) throw missing('bzip2', 'bzip2');
      return processFilter(cli, ['-d', '-c', '-q'], 'bzip2 decompression');
    }
    case 'xz': {
      const cli = findExecutable('xz');
      if (!cli) throw missing('xz-utils', 'xz');
      return processFilter(cli, ['-d', '-c', '-q'], 'xz decompression');
    }
  }
}

/** Passes bytes through and fails once more than `max` have gone by (a decompression-bomb guard). */
export function createSizeLimit(max: number, what = 'decompressed size'): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) {
        cb(new BerthError('INVALID_ARCHIVE', `${what} exceeds the limit of ${max} bytes`));
        return;
      }
      cb(null, chunk);
    },
  });
}

export interface DecompressOptions {
  /** 'auto' (default) sniffs the magic bytes. */
  compression?: Compression | 'auto';
  /** Fail with INVALID_ARCHIVE once the output passes this many bytes. */
  maxSize?: number;
}

/** Opens `source` as plain bytes: detects (or takes) the compression, decompresses, guards the size. */
export async function openDecompressed(
  source: AsyncIterable<unknown>,
  opts: DecompressOptions = {},
): Promise<{ compression: Compression; stream: Readable }> {
  let input: Readable;
  let compression: Compression;
  if (opts.compression === undefined || opts.compression === 'auto') {
    ({ compression, stream: input } = await sniffCompression(source));
  } else {
    compression = opts.compression;
    input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  }
  const stages: Array<Readable | Duplex> = [input];
  if (compression !== 'none') stages.push(createDecompressStream(compression));
  if (opts.maxSize !== undefined) stages.push(createSizeLimit(opts.maxSize));
  if (stages.length === 1) return { compression, stream: input };
  const stream = pipeline(stages as [Readable, ...Duplex[]], () => {}) as unknown as Readable;
  return { compression, stream };
}

/** zlib failures (corrupt or cut-short gzip) as INVALID_ARCHIVE; anything else unchanged. */
export function asArchiveError(e: unknown, compression: Compression): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (e instanceof BerthError || typeof code !== 'string' || !code.startsWith('Z_')) return e;
  return new BerthError('INVALID_ARCHIVE', `corrupt ${compression} data: ${(e as Error).message}`, { cause: e });
}
