// The build engine's vocabulary: layer references, the state a step leaves, progress events, and the
// ports through which the engine reaches the outside (base images, containers, file copies).
import type { Writable } from 'node:stream';
import type { CopyInstruction, AddInstruction } from '../dockerfile/instructions/index.ts';
import type { ImageConfig } from '../oci/index.ts';
import type { ExtraMount, HostEntry } from '../runtime/index.ts';

export interface LayerRef {
  diffId: string;
  digest: string;
  size: number;
  /** Uncompressed size (history's SIZE). */
  diffSize: number;
  mediaType: string;
}

/** An image under construction: its config (history included) and its layers, bottom first. */
export interface BuildState {
  config: ImageConfig;
  layers: LayerRef[];
}

export type BuildEvent =
  | { type: 'step-start'; id: string; stage: string; index: number; total: number; text: string }
  | { type: 'step-cached'; id: string }
  | { type: 'step-output'; id: string; stream: 'stdout' | 'stderr'; data: Buffer }
  | { type: 'step-done'; id: string; ms: number }
  /** The step failed (the build's error follows); other running steps are then canceled. */
  | { type: 'step-error'; id: string; message: string }
  | { type: 'warning'; message: string; line?: number };

/** A base image (FROM or COPY --from an image), as the store has it. */
export interface ResolvedImage {
  id: string;
  config: ImageConfig;
  layers: LayerRef[];
}

export type ImageResolver = (ref: string) => Promise<ResolvedImage>;

export interface ContainerRun {
  args: string[];
  env: string[];
  cwd: string;
  /** The USER string, resolved by the runtime against the rootfs. */
  user: string;
  rootfs: string;
  network: 'default' | 'none' | 'host';
  stdout: Writable;
  stderr: Writable;
  signal?: AbortSignal;
  /** A host directory bound read-only at /dev/pipes (a RUN heredoc with a `#!` line is run from there). */
  heredocDir?: string;
  /** RUN --mount: binds and tmpfs mounts over the rootfs. */
  mounts?: ExtraMount[];
  /** RUN --security=insecure. */
  privileged?: boolean;
  /** `--add-host` entries for the step's /etc/hosts. */
  extraHosts?: HostEntry[];
  /** Where runc's bundle goes when the process's spec holds a secret (a tmpfs). */
  bundlesDir?: string;
}

/** Runs one process in a container over `rootfs`; resolves with its exit code. */
export type ContainerRunner = (run: ContainerRun) => Promise<number>;

export interface CopyRequest {
  instruction: CopyInstruction | AddInstruction;
  /** Expanded sources and destination. */
  sources: string[];
  dest: string;
  workdir: string;
  destRoot: string;
  /** Where the files come from: the build context or another rootfs (stage or image). */
  from: { kind: 'context' } | { kind: 'dir'; dir: string };
  chown?: { uid: number; gid: number } | undefined;
}
