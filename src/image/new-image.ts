// Serializing a new image: config and manifest bytes (OCI media types), written once and hashed as
// written, so the digests are over exactly the stored bytes.
import { MediaType, type ImageConfig, type Manifest } from '../oci/index.ts';
import { sha256Of, type Digest } from '../oci/index.ts';

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

export function serializeImage(config: ImageConfig, layers: readonly LayerDescriptorInput[]): SerializedImage {
  const configBytes = Buffer.from(JSON.stringify(config));
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
