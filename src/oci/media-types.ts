// OCI and Docker v2 schema-2 media types, and what each one says about a blob (kind, family, compression).

/** Media types berth reads and writes. Values are the exact strings found in manifests. */
export const MediaType = {
  // OCI image-spec v1.1
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  /** Deprecated by image-spec v1.1 but still found in the wild; the OCI "foreign layer". */
  OciLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OciLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  OciDescriptor: 'application/vnd.oci.descriptor.v1+json',
  OciLayoutHeader: 'application/vnd.oci.layout.header.v1+json',

  // Docker image manifest v2, schema 2
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** Not in the schema-2 text, but written by containerd/BuildKit for zstd layers in docker manifests. */
  DockerLayerZstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerPluginConfig: 'application/vnd.docker.plugin.v1+json',
  /** Schema 1: recognised only to reject it with a clear message. */
  DockerManifestSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerManifestSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export type KnownMediaType = (typeof MediaType)[keyof typeof MediaType];

/** Which specification a media type comes from. */
export type MediaTypeFamily = 'oci' | 'docker';

/** How a layer blob is compressed. */
export type LayerCompression = 'none' | 'gzip' | 'zstd';

interface LayerInfo {
  family: MediaTypeFamily;
  compression: LayerCompression;
  /** Foreign / non-distributable: registries may not hold the blob; it is fetched from `urls`. */
  foreign: boolean;
}

const LAYERS: ReadonlyMap<string, LayerInfo> = new Map<string, LayerInfo>([
  [MediaType.OciLayer, { family: 'oci', compression: 'none', foreign: false }],
  [MediaType.OciLayerGzip, { family: 'oci', compression: 'gzip', foreign: false }],
  [MediaType.OciLayerZstd, { family: 'oci', compression: 'zstd', foreign: false }],
  [MediaType.OciLayerNondistributable, { family: 'oci', compression: 'none', foreign: true }],
  [MediaType.OciLayerNondistributableGzip, { family: 'oci', compression: 'gzip', foreign: true }],
  [MediaType.OciLayerNondistributableZstd, { family: 'oci', compression: 'zstd', foreign: true }],
  [MediaType.DockerLayer, { family: 'docker', compression: 'none', foreign: false }],
  [MediaType.DockerLayerGzip, { family: 'docker', compression: 'gzip', foreign: false }],
  [MediaType.DockerLayerZstd, { family: 'docker', compression: 'zstd', foreign: false }],
  [MediaType.DockerForeignLayer, { family: 'docker', compression: 'gzip', foreign: true }],
]);

/** An image index: OCI index or Docker manifest list. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.OciIndex || mediaType === MediaType.DockerManifestList;
}

/** A single-platform image manifest: OCI manifest or Docker schema-2 manifest (not schema 1). */
export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.OciManifest || mediaType === MediaType.DockerManifest;
}

/** A Docker schema-1 manifest, which berth does not support. */
export function isSchema1MediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.DockerManifestSchema1 || mediaType === MediaType.DockerManifestSchema1Signed;
}

/** An image configuration blob. */
export function isConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.OciConfig || mediaType === MediaType.DockerConfig;
}

/** A filesystem layer (tar, possibly compressed, possibly foreign). */
export function isLayerMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && LAYERS.has(mediaType);
}

/** A foreign (docker) or non-distributable (OCI) layer. */
export function isForeignLayerMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && LAYERS.get(mediaType)?.foreign === true;
}

/** The compression of a layer media type, or undefined when it is not a known layer type. */
export function layerCompression(mediaType: string | undefined): LayerCompression | undefined {
  return mediaType === undefined ? undefined : LAYERS.get(mediaType)?.compression;
}

/** The family of a known manifest, index, config or layer media type; undefined for anything else. */
export function mediaTypeFamily(mediaType: string | undefined): MediaTypeFamily | undefined {
  if (mediaType === undefined) return undefined;
  const layer = LAYERS.get(mediaType);
  if (layer !== undefined) return layer.family;
  switch (mediaType) {
    case MediaType.OciManifest:
    case MediaType.OciIndex:
    case MediaType.OciConfig:
      return 'oci';
    case MediaType.DockerManifest:
    case MediaType.DockerManifestList:
    case MediaType.DockerConfig:
      return 'docker';
    default:
      return undefined;
  }
}

/** The layer media type of a family and compression (non-foreign). */
export function layerMediaType(family: MediaTypeFamily, compression: LayerCompression): string {
  for (const [mediaType, info] of LAYERS) {
    if (info.family === family && info.compression === compression && !info.foreign) return mediaType;
  }
  /* c8 ignore next */
  throw new Error(`no ${family} layer media type for ${compression}`);
}

/** RFC 6838 media type syntax, as the OCI descriptor schema checks it. */
export const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
