// OCI whiteouts: `.wh.<name>` deletes a lower path, `.wh..wh..opq` makes a directory opaque; detect, make, validate.

import { BerthError } from '../util/errors.ts';
import type { EntryType } from './tar-header.ts';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
const META_PREFIX = '.wh..wh.';

export type Whiteout =
  /** Deletes `target` (a path) from lower layers. */
  | { kind: 'whiteout'; dir: string; name: string; target: string }
  /** Hides every lower-layer child of `dir`. */
  | { kind: 'opaque'; dir: string };

function splitPath(path: string): [string, string] {
  const trimmed = path.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash === -1 ? ['', trimmed] : [trimmed.slice(0, slash), trimmed.slice(slash + 1)];
}

export function isWhiteoutName(basename: string): boolean {
  return basename.startsWith(WHITEOUT_PREFIX);
}

/**
 * Classifies an archive path. Returns undefined for an ordinary entry. Throws INVALID_ARCHIVE
 * for a malformed whiteout: `.wh.` alone, `.wh..` / `.wh...` (would delete the parent or the
 * directory itself), `.wh..wh.<x>` other than the opaque marker, or a whiteout that is not an
 * empty regular file (pass `type`/`size` to check that).
 */
export function parseWhiteout(path: string, type?: EntryType, size?: number): Whiteout | undefined {
  const [dir, base] = splitPath(path);
  if (!isWhiteoutName(base)) return undefined;
  const bad = (why: string): BerthError => new BerthError('INVALID_ARCHIVE', `entry '${path}': malformed whiteout: ${why}`);
  if ((type !== undefined && type !== 'file') || (size !== undefined && size !== 0)) {
    throw bad(`a whiteout must be an empty regular file (got ${type ?? 'file'} of ${size ?? 0} bytes)`);
  }
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque', dir };
  if (base.startsWith(META_PREFIX)) throw bad(`'${base}' is reserved (only '${OPAQUE_WHITEOUT}' is defined)`);
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '') throw bad("'.wh.' names nothing");
  if (name === '.' || name === '..') throw bad(`'${base}' would remove '${name}'`);
  return { kind: 'whiteout', dir, name, target: dir === '' ? name : `${dir}/${name}` };
}

/** The archive path that deletes `path`: `a/b` → `a/.wh.b`. */
export function whiteoutPath(path: string): string {
  const [dir, base] = splitPath(path);
  if (base === '' || base === '.' || base === '..') {
    throw new BerthError('INVALID_ARGUMENT', `cannot make a whiteout for '${path}'`);
  }
  return dir === '' ? `${WHITEOUT_PREFIX}${base}` : `${dir}/${WHITEOUT_PREFIX}${base}`;
}

/** The archive path that makes directory `dir` opaque ('' for the root). */
export function opaquePath(dir: string): string {
  const d = dir.replace(/\/+$/, '');
  return d === '' || d === '.' ? OPAQUE_WHITEOUT : `${d}/${OPAQUE_WHITEOUT}`;
}
