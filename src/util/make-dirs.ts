// mkdir -p that always ends: node's own recursive mkdir spins forever where mkdir(2) answers
// ENOENT under a parent that exists (procfs, sysfs and some FUSE mounts do), e.g. `--root /proc/x`.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Creates `dir` and its missing parents with `mode`, as node's `mkdir(dir, { recursive: true, mode })`:
 * resolves to the first directory it created, or undefined when `dir` already was one. Each
 * directory is tried at most twice (before and after its parent), so a filesystem refusing it
 * yields mkdir's own error instead of a loop.
 */
export async function makeDirs(dir: string, mode?: number): Promise<string | undefined> {
  const target = path.resolve(dir);
  const opts = mode === undefined ? undefined : { mode };
  try {
    await mkdir(target, opts);
    return target;
  } catch (e) {
    if (errno(e) === 'EEXIST' && (await isDirectory(target))) return undefined;
    const parent = path.dirname(target);
    if (errno(e) !== 'ENOENT' || parent === target) throw e;
  }
  const first = await makeDirs(path.dirname(target), mode);
  try {
    await mkdir(target, opts);
  } catch (e) {
    // Made meanwhile by someone else (a concurrent build, say): as good as made here.
    if (errno(e) === 'EEXIST' && (await isDirectory(target))) return first;
    throw e;
  }
  return first ?? target;
}
