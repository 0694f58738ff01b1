// A layer tar (plain or compressed) into the store in one streaming pass: decompressed (with a bomb
// guard), checked entry by entry, and stored gzip-compressed with its diff_id and blob digest.
import { PassThrough, type Readable } from 'node:stream';
import { checkLayerEntries, compressLayer, openDecompressed } from '../layer/index.ts';
import { asArchiveError } from '../layer/compression.ts';
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

export async function ingestLayer(blobs: BlobStore, source: Readable, opts: IngestOptions = {}): Promise<IngestedLayer> {
  const { compression, stream } = await openDecompressed(source, opts.maxUncompressed === undefined ? {} : { maxSize: opts.maxUncompressed });
  // One decompressed stream feeds both the entry check and the compressor; pipe() paces the faster
  // one to the slower, so memory stays flat.
  const toCheck = new PassThrough();
  const toStore = new PassThrough();
  stream.pipe(toCheck);
  stream.pipe(toStore);
  const compressed = compressLayer(toStore, 'gzip');
  const fail = (e: unknown): void => {
    for (const s of [stream, toCheck, toStore, compressed.stream]) s.destroy(e as Error);
  };
  stream.on('error', fail);
  const checking = checkLayerEntries(toCheck).catch((e: unknown) => { fail(e); throw e; });
  try {
    const [blob, digests] = await Promise.all([blobs.put(compressed.stream), compressed.digests, checking]);
    return { diffId: digests.diffId, digest: blob.digest, size: blob.size, diffSize: digests.uncompressedSize };
  } catch (e) {
    fail(e); // unblock every branch so the entry check settles
    // The entry check's error names the real cause (a hostile entry) when there is one.
    const err = asArchiveError(await checking.then(() => e, (c: unknown) => c), compression);
    if (err instanceof BerthError) throw err;
    throw new BerthError('INVALID_ARCHIVE', `cannot read the archive: ${(err as Error).message}`, { cause: err });
  }
}
