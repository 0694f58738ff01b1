// Serializing an image: config and manifest bytes (OCI media types), hashed as written, so digests
// are over exactly the stored bytes. A config that came from elsewhere is kept byte for byte (its
// digest is the image ID docker shows).
import { MediaType, sha256Of, type Digest, type ImageConfig, type Manifest } from '../oci/index.ts';

export interface LayerDescriptorInput {
  digest: string;
  size: number;
  mediaType?: string;
}

export interface SerializedImage {
  configBytes: Buffer;
  configDigest: Digest;
  manifestBytes: Buffer;
  manifestDigest: Digest;
}

/** The manifest for raw config bytes and layer blobs. */
export function manifestFor(configBytes: Buffer, layers: readonly LayerDescriptorInput[]): SerializedImage {
  const configDigest = sha256Of(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: configDigest, size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType ?? MediaType.OciLayerGzip, digest: l.digest as Digest, size: l.size })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return { configBytes, configDigest, manifestBytes, manifestDigest: sha256Of(manifestBytes) };
}

export function serializeImage(config: ImageConfig, layers: readonly LayerDescriptorInput[]): SerializedImage {
  return manifestFor(Buffer.from(JSON.stringify(config)), layers);
}
