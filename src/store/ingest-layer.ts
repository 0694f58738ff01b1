// A layer tar (plain or gzip) into the store in one streaming pass: the diff_id is hashed from the
// uncompressed bytes, the stored blob is gzip (what registries and docker expect).
import { createHash } from 'node:crypto';
import { Transform, type Readable, PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { BerthError } from '../util/errors.ts';
import type { BlobStore } from './blob-store.ts';

export interface IngestedLayer {
  diffId: string;
  digest: string;
  size: number;
  /** Uncompressed size. */
  diffSize: number;
}

export interface IngestOptions {
  /** Refuse more than this many uncompressed bytes (decompression bombs). */
  maxUncompressed?: number;
}

/** Reads the first bytes to tell gzip from a plain tar, then re-emits everything. */
async function sniff(source: Readable): Promise<{ head: Buffer; stream: Readable }> {
  const out = new PassThrough();
  let head = Buffer.alloc(0);
  const it = source[Symbol.asyncIterator]();
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, r.value as Buffer]);
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value as Buffer;
    }
  };
  void pipeline(rest(), out).catch((e: unknown) => out.destroy(e as Error));
  return { head, stream: out };
}

export async function ingestLayer(blobs: BlobStore, source: Readable, opts: IngestOptions = {}): Promise<IngestedLayer> {
  const { head, stream } = await sniff(source);
  if (head.length >= 4 && ((head[0] === 0x28 && head[1] === 0xb5) || (head[0] === 0x42 && head[1] === 0x5a) || (head[0] === 0xfd && head[1] === 0x37))) {
    throw new BerthError('INVALID_ARCHIVE', 'this archive is zstd, bzip2 or xz compressed; only plain and gzip tars are supported here', { hint: 'decompress it first (e.g. zstd -d / bunzip2 / unxz)' });
  }
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const diffHash = createHash('sha256');
  let diffSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      diffSize += chunk.length;
      if (opts.maxUncompressed !== undefined && diffSize > opts.maxUncompressed) {
        cb(new BerthError('INVALID_ARCHIVE', `the archive unpacks to more than ${opts.maxUncompressed} bytes`, { hint: 'it may be a decompression bomb' }));
        return;
      }
      diffHash.update(chunk);
      cb(null, chunk);
    },
  });
  const compressed = createGzip({ level: 6 });
  const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [stream];
  if (gz) stages.push(createGunzip());
  stages.push(tap, compressed);
  const feeding = pipeline(stages as unknown as [Readable, ...Transform[]]).catch((e: unknown) => {
    compressed.destroy(e as Error);
    throw e;
  });
  const [blob] = await Promise.all([blobs.put(compressed), feeding]).catch(async (e: unknown) => {
    await feeding.catch(() => undefined);
    if (e instanceof BerthError) throw e;
    throw new BerthError('INVALID_ARCHIVE', `cannot read the archive: ${(e as Error).message}`, { cause: e });
  });
  return { diffId: `sha256:${diffHash.digest('hex')}`, digest: blob.digest, size: blob.size, diffSize };
}
