// Confinement for extraction: archive paths become clean components, parents resolve with lstat, symlinks never followed.

import type { Stats } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../util/errors.ts';

export type AbsolutePathPolicy = 'strip' | 'reject';

/**
 * Splits an archive path into components, dropping empty and `.` parts.
 * - Absolute paths are made relative to the target (docker's behaviour) or rejected, per `policy`.
 * - Any `..` component is rejected (UNSAFE_PATH), even one that would stay inside: no layer
 *   producer writes them, and refusing is simpler to trust than resolving.
 * An empty result means the target directory itself.
 */
export function splitArchivePath(path: string, policy: AbsolutePathPolicy, what = 'entry'): string[] {
  if (path.includes('\0')) throw new BerthError('UNSAFE_PATH', `${what} '${path}': path contains a NUL byte`);
  if (path.startsWith('/') && policy === 'reject') {
    throw new BerthError('UNSAFE_PATH', `${what} '${path}': absolute paths are not allowed in a layer`);
  }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new BerthError('UNSAFE_PATH', `${what} '${path}': path has a '..' component (would leave the target)`);
  }
  return parts;
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Resolves the directory that will hold `parts.at(-1)`, walking down from `root` one
 * component at a time with lstat. A symlink anywhere on the way is refused (UNSAFE_PATH), so
 * nothing can be redirected outside `root`. Missing directories are created (mode 0755) when
 * `create` is set, reported through `onCreate`; otherwise the result is undefined.
 */
export async function resolveParent(
  root: string,
  parts: readonly string[],
  entry: string,
  create: boolean,
  onCreate?: (rel: string) => void,
): Promise<string | undefined> {
  let dir = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = join(dir, parts[i]!);
    let st;
    try {
      st = await lstat(next);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
      if (!create) return undefined;
      await mkdir(next, { mode: 0o755 });
      onCreate?.(parts.slice(0, i + 1).join('/'));
      dir = next;
      continue;
    }
    const rel = parts.slice(0, i + 1).join('/');
    if (st.isSymbolicLink()) {
      throw new BerthError(
        'UNSAFE_PATH',
        `entry '${entry}': path component '${rel}' is a symlink; refusing to follow it during extraction`,
      );
    }
    if (!st.isDirectory()) {
      throw new BerthError('INVALID_ARCHIVE', `entry '${entry}': path component '${rel}' is not a directory`);
    }
    dir = next;
  }
  return dir;
}

/** lstat that answers undefined for a missing path. */
export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
}
