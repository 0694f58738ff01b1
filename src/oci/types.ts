// TypeScript shapes of OCI / Docker schema-2 documents: Descriptor, Platform, Manifest, Index, ImageConfig.
//
// Parsed documents keep every field they were read with (unknown ones too), but they are for reading:
// digests are computed over the raw bytes, never over a re-serialization of these objects.
import type { Digest } from './digest.ts';

/** String-to-string annotations (`org.opencontainers.image.*` and the like). */
export type Annotations = Record<string, string>;

/** The platform an image runs on (index entries, and the same fields at the top of a config). */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  /** Reserved by image-spec; old docker manifest lists carry it. */
  features?: string[];
}

/** A content descriptor: what a blob is, how big, and its digest. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Annotations;
  /** The blob itself, base64, for tiny blobs (e.g. the empty config). */
  data?: string;
  artifactType?: string;
  /** Only meaningful on index entries. */
  platform?: Platform;
}

/** An image manifest: OCI (`mediaType` optional) or Docker schema 2 (`mediaType` required). */
export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Annotations;
}

/** An image index: OCI index or Docker manifest list. */
export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Annotations;
}

/** Docker's HEALTHCHECK settings; durations are nanoseconds. `Test[0]` is NONE, CMD or CMD-SHELL. */
export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/**
 * The execution parameters of a config. Docker writes `null` for unset lists and maps, so those are
 * nullable; it also writes fields OCI does not define (Hostname, Tty, …), which are kept as read.
 */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: HealthConfig | null;
  OnBuild?: string[] | null;
  Shell?: string[] | null;
  ArgsEscaped?: boolean;
}

/** The layers of the root filesystem, bottom first, as digests of the uncompressed tars. */
export interface RootFs {
  type: 'layers';
  diff_ids: Digest[];
}

/** One build step. `empty_layer` steps (ENV, CMD, …) have no entry in `rootfs.diff_ids`. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** An image configuration (OCI `config.v1` / Docker `container.image.v1`). */
export interface ImageConfig {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig | null;
  rootfs: RootFs;
  history?: HistoryEntry[];
}

/** The `oci-layout` file at the root of an OCI image layout. */
export interface LayoutHeader {
  imageLayoutVersion: '1.0.0';
}
