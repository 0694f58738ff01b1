// Committing a layer the build produced: its tar is stored uncompressed (the diff_id is the blob
// digest, computed in the one pass that writes it); compression waits until the layer leaves the
// machine (push), so a build never pays for gzip.
import type { Readable } from 'node:stream';
import { MediaType } from '../oci/index.ts';
import type { BlobStore } from './blob-store.ts';

export interface CommittedLayer {
  diffId: string;
  digest: string;
  size: number;
  diffSize: number;
  mediaType: string;
}

/** `tar` must not reuse a chunk's memory once it has emitted it (diffDirToTar's chunks are fresh buffers). */
export async function commitLayerTar(blobs: BlobStore, tar: Readable): Promise<CommittedLayer> {
  // The next chunk is read and hashed while the last ones are written.
  const { digest, size } = await blobs.put(tar, {}, { writeAhead: 2 });
  return { diffId: digest, digest, size, diffSize: size, mediaType: MediaType.OciLayer };
}
