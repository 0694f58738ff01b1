// Paths inside a container's rootfs resolved as the container would see them: symlinks followed, but scoped to the root, never out of it.

import { constants } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';

/** Linux's own limit on symlinks followed in one lookup. */
const MAX_SYMLINKS = 40;

export interface RootPath {
  /** The host path the container path names, every existing symlink on the way resolved inside the root. */
  path: string;
  /** The first component of `path` that does not exist yet (a host path), when there is one. */
  missing?: string;
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolves `containerPath` against `root` like securejoin: a symlink's absolute target restarts
 * at the root, `..` never climbs above it. The result is always inside `root`.
 * (Checked, then used: a process changing the rootfs meanwhile could still race this; berth
 * resolves before any step runs in that rootfs.)
 */
export async function resolveInRoot(root: string, containerPath: string): Promise<RootPath> {
  if (containerPath.includes('\0')) throw new BerthError('UNSAFE_PATH', `path '${containerPath}' contains a NUL byte`);
  let remaining = components(containerPath);
  const current: string[] = [];
  let missingDepth: number | undefined;
  let links = 0;
  while (remaining.length > 0) {
    const part = remaining.shift()!;
    if (part === '..') {
      current.pop();
      if (missingDepth !== undefined && current.length <= missingDepth) missingDepth = undefined;
      continue;
    }
    if (missingDepth !== undefined) {
      current.push(part);
      continue;
    }
    const candidate = path.join(root, ...current, part);
    let st;
    try {
      st = await lstat(candidate);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      missingDepth = current.length;
      current.push(part);
      continue;
    }
    if (!st.isSymbolicLink()) {
      current.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) {
      throw new BerthError('UNSAFE_PATH', `path '${containerPath}': too many levels of symbolic links in the rootfs`);
    }
    const target = await readlink(candidate);
    if (target.startsWith('/')) current.length = 0;
    remaining = [...components(target), ...remaining];
  }
  const resolved: RootPath = { path: path.join(root, ...current) };
  if (missingDepth !== undefined) resolved.missing = path.join(root, ...current.slice(0, missingDepth + 1));
  return resolved;
}

/**
 * Refuses a rootfs whose /proc, /sys or /dev is a symlink or a file: runc sets those up before the
 * container is confined, and older runc releases (Debian's 1.1.5 among them) follow such links onto
 * host paths (CVE-2019-19921, CVE-2026-41579). Missing ones are fine: runc creates them.
 */
export async function checkSystemMountpoints(rootfs: string): Promise<void> {
  const root = await lstat(rootfs).catch(() => undefined);
  if (!root?.isDirectory()) throw new BerthError('INVALID_ARGUMENT', `rootfs ${rootfs} is not a directory`);
  for (const name of ['proc', 'sys', 'dev']) {
    const st = await lstat(path.join(rootfs, name)).catch(() => undefined);
    if (st && !st.isDirectory()) {
      throw new BerthError('UNSAFE_PATH', `the image's /${name} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}; refusing to run a container on it`);
    }
  }
}

/**
 * Reads a regular file of the rootfs (e.g. /etc/passwd), resolved with resolveInRoot and opened
 * without following a last-moment symlink or blocking on a FIFO. Undefined when it does not
 * exist; a BerthError when it is not a regular file or is larger than `maxBytes` (an image's
 * /etc/group must not make berth read a gigabyte).
 */
export async function readFileInRoot(root: string, containerPath: string, maxBytes: number): Promise<Buffer | undefined> {
  const resolved = await resolveInRoot(root, containerPath);
  if (resolved.missing !== undefined) return undefined;
  let fh;
  try {
    fh = await open(resolved.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    if (errnoCode(e) === 'ELOOP') throw new BerthError('UNSAFE_PATH', `${containerPath} in the rootfs changed into a symlink while being read`, { cause: e });
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new BerthError('INVALID_IMAGE', `${containerPath} in the rootfs is not a regular file`);
    if (st.size > maxBytes) {
      throw new BerthError('INVALID_IMAGE', `${containerPath} in the rootfs is ${st.size} bytes, more than the ${maxBytes} berth reads`);
    }
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, total, buf.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) {
        throw new BerthError('INVALID_IMAGE', `${containerPath} in the rootfs is more than the ${maxBytes} bytes berth reads`);
      }
      if (total === buf.length) break;
    }
    return buf.subarray(0, total);
  } finally {
    await fh.close();
  }
}
