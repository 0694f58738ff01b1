// Committing a layer the build produced: its tar is stored uncompressed (the diff_id is the blob
// digest, computed in the one pass that writes it); compression waits until the layer leaves the
// machine (push), so a build never pays for gzip.
import type { Readable } from 'node:stream';
import { pumpDiffDir } from '../layer/index.ts';
import { MediaType } from '../oci/index.ts';
import type { BlobStore } from './blob-store.ts';

export interface CommittedLayer {
  diffId: string;
  digest: string;
  size: number;
  diffSize: number;
  mediaType: string;
}

function committed(digest: string, size: number): CommittedLayer {
  return { diffId: digest, digest, size, diffSize: size, mediaType: MediaType.OciLayer };
}

export async function commitLayerTar(blobs: BlobStore, tar: Readable): Promise<CommittedLayer> {
  const { digest, size } = await blobs.put(tar);
  return committed(digest, size);
}

/**
 * Commits an upper dir (a step's diff) as its layer tar, the bytes diffDirToTar gives: the next
 * MiB is read and hashed while the last ones are written, through a few reused buffers.
 */
export async function commitLayerDir(blobs: BlobStore, upperDir: string): Promise<CommittedLayer> {
  const { digest, size } = await blobs.putChunks((sink) => pumpDiffDir(upperDir, (chunk) => sink(chunk), { inFlight: 3 }));
  return committed(digest, size);
}
