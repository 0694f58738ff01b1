// Options and results of the COPY/ADD file copy and of its content checksum.

import type { ContextEntry } from '../../context/index.ts';

/** Where a COPY reads from: the build context (already filtered by .dockerignore) or another rootfs. */
export type CopySource =
  | { kind: 'context'; dir: string; entries: readonly ContextEntry[] }
  /** Another stage's rootfs or an image's: ownership is kept. */
  | { kind: 'dir'; dir: string };

/** What selects the files a COPY/ADD reads (shared by the copy and its checksum). */
export interface SelectOptions {
  source: CopySource;
  /** Source paths, variables already expanded; Go filepath.Match wildcards allowed. */
  sources: readonly string[];
  /** `--exclude` patterns (.dockerignore syntax), relative to each copied directory. */
  excludes?: readonly string[] | undefined;
  /** `--parents`: keep the source's directory structure (from the root or the first `/./`). */
  parents?: boolean | undefined;
  /** Set for ADD: local tar archives are extracted instead of copied. */
  add?: { extractArchives: boolean } | undefined;
}

export interface CopyOptions extends SelectOptions {
  /** Destination, expanded; relative paths are taken against `workdir`. A trailing `/` means a directory. */
  dest: string;
  workdir: string;
  /** The rootfs being written (e.g. an overlayfs mount); nothing outside it is ever touched. */
  destRoot: string;
  /** `--chown`, already resolved to ids. */
  chown?: { uid: number; gid: number } | undefined;
  /** `--chmod`: octal (`0755`, `4755`) or symbolic (`u+x,go-w`). */
  chmod?: string | undefined;
}

export interface CopyResult {
  /** Image paths (`/`-rooted) created or whose metadata was set, in the order written. */
  written: string[];
  /** Things skipped without failing (sockets, unsupported xattrs, ...). */
  warnings: string[];
}
