// A layer tar into the store in one streaming pass, checked entry by entry (no `..`, no escaping
// hardlink, no malformed whiteout) with its diff_id hashed from the uncompressed bytes. A gzip or
// zstd blob is stored as it came (no recompression: load and pull stay I/O-bound); a plain tar, or
// one in a compression registries don't take (bzip2, xz), is stored gzip-compressed.
import { PassThrough, type Readable } from 'node:stream';
import { checkLayerEntries, compressLayer, decompressLayer, openDecompressed, sniffCompression, type LayerDigests } from '../layer/index.ts';
import { asArchiveError } from '../layer/compression.ts';
import { MediaType } from '../oci/index.ts';
import { BerthError } from '../util/errors.ts';
import type { BlobStore } from './blob-store.ts';

export interface IngestedLayer {
  diffId: string;
  digest: string;
  size: number;
  /** Uncompressed size. */
  diffSize: number;
  mediaType: string;
}

export interface IngestOptions {
  /** Refuse more than this many uncompressed bytes (decompression bombs). */
  maxUncompressed?: number;
}

/** Splits one stream into two branches; pipe() paces the faster branch to the slower one. */
function tee(stream: Readable): [PassThrough, PassThrough] {
  const a = new PassThrough();
  const b = new PassThrough();
  stream.pipe(a);
  stream.pipe(b);
  return [a, b];
}

export async function ingestLayer(blobs: BlobStore, source: Readable, opts: IngestOptions = {}): Promise<IngestedLayer> {
  const limit = opts.maxUncompressed === undefined ? {} : { maxSize: opts.maxUncompressed };
  const sniffed = await sniffCompression(source);
  const keep = sniffed.compression === 'gzip' || sniffed.compression === 'zstd';
  const streams: Readable[] = [sniffed.stream];
  let toStore: Readable;
  let toCheck: Readable;
  let digests: Promise<LayerDigests>;
  if (keep) {
    // raw → blob as is; raw → decompress → entry check (the tap gives diff_id and blob digest).
    const [raw, forDecompress] = tee(sniffed.stream);
    const unpacked = await decompressLayer(forDecompress, limit);
    toStore = raw;
    toCheck = unpacked.stream;
    digests = unpacked.digests;
    streams.push(raw, forDecompress, unpacked.stream);
  } else {
    // plain (or bzip2/xz) → decompress → entry check, and → gzip → blob.
    const { stream } = await openDecompressed(sniffed.stream, limit);
    const [forCheck, forCompress] = tee(stream);
    const compressed = compressLayer(forCompress, 'gzip');
    toStore = compressed.stream;
    toCheck = forCheck;
    digests = compressed.digests;
    streams.push(stream, forCheck, forCompress, compressed.stream);
  }
  const fail = (e: unknown): void => { for (const s of streams) s.destroy(e as Error); };
  for (const s of streams) s.on('error', fail);
  digests.catch(() => undefined);
  const checking = checkLayerEntries(toCheck).catch((e: unknown) => { fail(e); throw e; });
  try {
    const [blob, d] = await Promise.all([blobs.put(toStore), digests, checking]);
    const mediaType = !keep ? MediaType.OciLayerGzip : sniffed.compression === 'zstd' ? MediaType.OciLayerZstd : MediaType.OciLayerGzip;
    return { diffId: d.diffId, digest: blob.digest, size: blob.size, diffSize: d.uncompressedSize, mediaType };
  } catch (e) {
    fail(e); // unblock every branch so the entry check settles
    // The entry check's error names the real cause (a hostile entry) when there is one.
    const err = asArchiveError(await checking.then(() => e, (c: unknown) => c), sniffed.compression);
    if (err instanceof BerthError) throw err;
    throw new BerthError('INVALID_ARCHIVE', `cannot read the archive: ${(err as Error).message}`, { cause: err });
  }
}
