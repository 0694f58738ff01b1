// Progress events of pulls and pushes: per-layer status lines like docker's ("Pulling fs layer",
// "Downloading", "Pull complete", "Layer already exists", "Mounted from x"), plus the summary.
export type LayerStatus =
  | 'Pulling fs layer' | 'Waiting' | 'Downloading' | 'Verifying Checksum' | 'Download complete' | 'Extracting' | 'Pull complete' | 'Already exists'
  | 'Preparing' | 'Pushing' | 'Pushed' | 'Layer already exists' | 'Mounted' | 'Skipped foreign layer' | 'Retrying';

export type RegistryEvent =
  /** "Pulling from library/busybox" / "The push refers to repository [docker.io/library/x]". */
  | { type: 'start'; action: 'pull' | 'push'; repository: string; tag?: string | undefined }
  /** One layer's status; `current`/`total` in bytes while transferring; `from` for a mount. */
  | { type: 'layer'; id: string; status: LayerStatus; current?: number; total?: number; from?: string; detail?: string }
  | { type: 'digest'; digest: string; size?: number; tag?: string | undefined }
  | { type: 'retry'; message: string; delayMs: number };

export type RegistryEventSink = (e: RegistryEvent) => void;

/** Docker's 12-hex short layer id. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
