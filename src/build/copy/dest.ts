// Writing into the destination rootfs: paths resolved within it, every component lstat-checked, metadata set through fds.
//
// The per-entry calls are synchronous (a COPY writes thousands of small files, and an lstat or a
// fchown takes microseconds where an awaited thread-pool round trip takes far longer); only copying
// the bytes of a big file stays asynchronous. The methods keep their promise signatures.

import {
  chmodSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync,
  mkdirSync, openSync, readlinkSync, readSync, symlinkSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../../util/errors.ts';
import { resolveInScope, type ProbeResult } from './scoped-path.ts';

export interface Owner {
  uid: number;
  gid: number;
}

/** Metadata to give a written entry. `mode` is permission bits (07777), ignored for symlinks. */
export interface Meta {
  owner: Owner;
  mode: number;
  mtimeNs: bigint;
}

const NOFOLLOW_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const NOFOLLOW_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export async function lstatOrUndefined(abs: string): Promise<Stats | undefined> {
  return lstatSyncOrUndefined(abs);
}

/** Without an exception for a missing path: node builds a full Error (stack and all) for each. */
function lstatSyncOrUndefined(abs: string): Stats | undefined {
  try {
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * Files up to this size are copied synchronously through one reused buffer (a read and a write:
 * several times faster than copy_file_range into an overlay mount); bigger ones with copyFile off
 * the main thread.
 */
const SYNC_COPY_MAX = 1 << 20;
let copyBuffer: Buffer | undefined;
const READ_SOURCE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const seconds = (ns: bigint): number => Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;

/** A rootfs being written. Paths are component arrays relative to its root; `image()` names them for messages. */
export class DestFs {
  /**
   * `root` must be a real directory path. `prefix` is where it sits in the image (for an archive
   * extracted into a subdirectory); `written` collects the image paths written.
   */
  constructor(
    readonly root: string,
    readonly written: string[] = [],
    private readonly prefix: readonly string[] = [],
  ) {}

  /** The same rootfs seen from its subdirectory `parts` (resolved), which becomes `/` for resolution. */
  sub(parts: readonly string[]): DestFs {
    return new DestFs(this.abs(parts), this.written, [...this.prefix, ...parts]);
  }

  abs(parts: readonly string[]): string {
    return parts.length === 0 ? this.root : path.join(this.root, ...parts);
  }

  image(parts: readonly string[]): string {
    return '/' + [...this.prefix, ...parts].join('/');
  }

  /** Resolves `parts` inside the root as if it were `/` (docker's FollowSymlinkInScope). */
  resolve(parts: readonly string[], followFinal: boolean): Promise<string[]> {
    return resolveInScope(parts, (p) => this.probe(p), followFinal);
  }

  private async probe(parts: readonly string[]): Promise<ProbeResult> {
    const abs = this.abs(parts);
    const st = lstatSyncOrUndefined(abs);
    if (st === undefined) return undefined;
    return st.isSymbolicLink() ? { kind: 'symlink', target: readlinkSync(abs) } : { kind: 'other' };
  }

  /**
   * Makes sure the directory at `parts` exists, following symlinks within the root; missing
   * components are created with `mode` and `owner` (fsutil's MkdirAll). Returns the resolved path.
   */
  async mkdirAll(parts: readonly string[], mode: number, owner: Owner): Promise<string[]> {
    return (await this.mkdirAllReporting(parts, mode, owner)).resolved;
  }

  /** mkdirAll, also saying whether this call created the directory itself (so it is empty). */
  async mkdirAllReporting(parts: readonly string[], mode: number, owner: Owner): Promise<{ resolved: string[]; created: boolean }> {
    const resolved = await this.resolve(parts, true);
    let created = false;
    for (let i = 1; i <= resolved.length; i++) {
      const sub = resolved.slice(0, i);
      const abs = this.abs(sub);
      const st = lstatSyncOrUndefined(abs);
      created = false;
      if (st?.isDirectory()) continue;
      if (st !== undefined) throw this.notDirectory(sub);
      try {
        mkdirSync(abs, { mode: 0o700 });
      } catch (e) {
        if (code(e) !== 'EEXIST') throw e;
        if (!lstatSyncOrUndefined(abs)?.isDirectory()) throw this.notDirectory(sub);
        continue;
      }
      created = true;
      await this.setDirMeta(sub, { owner, mode, mtimeNs: -1n });
    }
    return { resolved, created };
  }

  notDirectory(parts: readonly string[]): BerthError {
    return new BerthError('COPY_FAILED', `cannot copy to non-directory: ${this.image(parts)}`);
  }

  /** Creates directory `parts` (its parent verified) unless one is there; true if created. Never follows a symlink. */
  async ensureDir(parts: readonly string[]): Promise<boolean> {
    const abs = this.abs(parts);
    const st = lstatSyncOrUndefined(abs);
    if (st?.isDirectory()) return false;
    if (st !== undefined) throw this.notDirectory(parts);
    mkdirSync(abs, { mode: 0o700 });
    return true;
  }

  /** Clears the way for a non-directory at `parts`: refuses to replace a directory, removes anything else. */
  async clearForFile(parts: readonly string[]): Promise<void> {
    const abs = this.abs(parts);
    const st = lstatSyncOrUndefined(abs);
    if (st === undefined) return;
    if (st.isDirectory()) {
      throw new BerthError('COPY_FAILED', `cannot replace to directory ${this.image(parts)} with file`);
    }
    unlinkSync(abs);
  }

  /** Removes whatever is at `parts` (a directory recursively); the parent must be verified. */
  async remove(parts: readonly string[]): Promise<void> {
    await rm(this.abs(parts), { recursive: true, force: true });
  }

  /** Copies a regular file's bytes to a new file at `parts` (O_EXCL: never through an existing path). */
  async copyFileFrom(sourceAbs: string, parts: readonly string[]): Promise<void> {
    await copyFile(sourceAbs, this.abs(parts), constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  }

  /**
   * copyFileFrom then setFileMeta, for a source of about `size` bytes: a small one is copied through
   * the descriptors the metadata is then set on. False (nothing written) when the source is not a
   * regular file (any more): a symlink put in its place is never followed.
   */
  async copyFileWithMeta(sourceAbs: string, parts: readonly string[], size: number, meta: Meta): Promise<boolean> {
    if (size > SYNC_COPY_MAX) {
      // copyFile follows symlinks: make sure the source is still a regular file.
      if (!lstatSync(sourceAbs).isFile()) return false;
      await this.copyFileFrom(sourceAbs, parts);
      await this.setFileMeta(parts, meta);
      return true;
    }
    const buf = (copyBuffer ??= Buffer.allocUnsafe(SYNC_COPY_MAX));
    let src: number;
    try {
      src = openSync(sourceAbs, READ_SOURCE);
    } catch (e) {
      if (code(e) === 'ELOOP') return false;
      throw e;
    }
    try {
      if (!fstatSync(src).isFile()) return false;
      const dst = openSync(this.abs(parts), CREATE_NEW, 0o600);
      try {
        // Read to the end; a short read once the size the walk saw is reached is the end (no
        // extra read to find it), one before that (a FUSE file system may give those) is not.
        for (let n = -1, total = 0; n !== 0 && !(n >= 0 && n < buf.length && total >= size);) {
          n = readSync(src, buf, 0, buf.length, null);
          total += n;
          for (let off = 0; off < n;) off += writeSync(dst, buf, off, n - off);
        }
        fchownSync(dst, meta.owner.uid, meta.owner.gid);
        fchmodSync(dst, meta.mode);
        futimesSync(dst, seconds(meta.mtimeNs), seconds(meta.mtimeNs));
      } finally {
        closeSync(dst);
      }
    } finally {
      closeSync(src);
    }
    return true;
  }

  async symlink(target: string, parts: readonly string[]): Promise<void> {
    symlinkSync(target, this.abs(parts));
  }

  async hardlink(existing: readonly string[], parts: readonly string[]): Promise<void> {
    linkSync(this.abs(existing), this.abs(parts));
  }

  record(parts: readonly string[]): void {
    const image = this.image(parts);
    if (this.written.at(-1) !== image) this.written.push(image);
  }

  /** Owner, mode and mtime of a directory, through an fd opened without following symlinks. `mtimeNs` < 0 keeps the time. */
  async setDirMeta(parts: readonly string[], meta: Meta): Promise<void> {
    const fd = openSync(this.abs(parts), NOFOLLOW_DIR);
    try {
      fchownSync(fd, meta.owner.uid, meta.owner.gid);
      fchmodSync(fd, meta.mode);
      if (meta.mtimeNs >= 0n) futimesSync(fd, seconds(meta.mtimeNs), seconds(meta.mtimeNs));
    } finally {
      closeSync(fd);
    }
    this.record(parts);
  }

  /** Only the times of a directory (docker restores the copied directory's mtime on an existing target). */
  async setDirTimes(parts: readonly string[], mtimeNs: bigint): Promise<void> {
    const fd = openSync(this.abs(parts), NOFOLLOW_DIR);
    try {
      futimesSync(fd, seconds(mtimeNs), seconds(mtimeNs));
    } finally {
      closeSync(fd);
    }
  }

  /** Owner, mode (after chown, which clears setuid) and mtime of a regular file, through an fd. */
  async setFileMeta(parts: readonly string[], meta: Meta): Promise<void> {
    const fd = openSync(this.abs(parts), NOFOLLOW_FILE);
    try {
      if (!fstatSync(fd).isFile()) throw new BerthError('UNSAFE_PATH', `${this.image(parts)} changed while it was written`);
      fchownSync(fd, meta.owner.uid, meta.owner.gid);
      fchmodSync(fd, meta.mode);
      futimesSync(fd, seconds(meta.mtimeNs), seconds(meta.mtimeNs));
    } finally {
      closeSync(fd);
    }
  }

  /** Symlinks and device nodes: by path, never followed (lchown, lutimes; chmod only on non-links just created). */
  async setNodeMeta(parts: readonly string[], meta: Meta, isLink: boolean): Promise<void> {
    const abs = this.abs(parts);
    lchownSync(abs, meta.owner.uid, meta.owner.gid);
    if (!isLink) {
      if (lstatSync(abs).isSymbolicLink()) throw new BerthError('UNSAFE_PATH', `${this.image(parts)} changed while it was written`);
      chmodSync(abs, meta.mode);
    }
    lutimesSync(abs, seconds(meta.mtimeNs), seconds(meta.mtimeNs));
  }
}
