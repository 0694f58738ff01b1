// A stored layer re-written into a new blob: times clamped to an epoch (BuildKit's rewrite-timestamp)
// and/or compressed another way (gzip, zstd, none), digesting both sides in the one streaming pass.
import type { Readable } from 'node:stream';
import { clampTarTimes, compressLayer, decompressLayer, type OutputCompression } from '../layer/index.ts';
import { layerMediaType } from '../oci/index.ts';
import type { BlobStore } from './blob-store.ts';
import type { CommittedLayer } from './commit-layer.ts';

export interface ConvertOptions {
  /** Clamp mtime/atime/ctime later than this many seconds since 1970 to it. */
  clampEpoch?: number | undefined;
  compression: OutputCompression;
  /** gzip 1-9, zstd 1-19; the compressor's default (gzip 6, zstd 3) when left out. */
  level?: number | undefined;
}

export async function convertLayer(blobs: BlobStore, digest: string, opts: ConvertOptions): Promise<CommittedLayer> {
  const unpacked = await decompressLayer(blobs.openRead(digest));
  unpacked.digests.catch(() => undefined);
  const tar: Readable = opts.clampEpoch === undefined ? unpacked.stream : clampTarTimes(unpacked.stream, opts.clampEpoch);
  const { stream, digests } = compressLayer(tar, opts.compression, opts.level === undefined ? {} : { level: opts.level });
  const [blob, d] = await Promise.all([blobs.put(stream), digests]);
  return {
    diffId: d.diffId, digest: blob.digest, size: blob.size, diffSize: d.uncompressedSize,
    mediaType: layerMediaType('oci', opts.compression),
  };
}
