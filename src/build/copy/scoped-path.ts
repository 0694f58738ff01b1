// Symlink resolution confined to a root (docker's FollowSymlinkInScope): `..` and absolute link targets stop at the root.

import { BerthError } from '../../util/errors.ts';

/** What the resolver needs to know about one existing path (components relative to the root). */
export type ProbeResult = { kind: 'symlink'; target: string } | { kind: 'other' } | undefined;
export type Probe = (parts: readonly string[]) => Promise<ProbeResult>;

/** Most symlinks one resolution may expand (Linux's MAXSYMLINKS is 40; docker allows 255). */
const MAX_LINKS = 255;

/** Splits a `/`-separated path into components, dropping empty and `.` parts (`..` kept). */
export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Lexically cleans `path` as if rooted at `/`: `..` never climbs above the root. */
export function cleanRooted(path: string): string[] {
  const out: string[] = [];
  for (const part of splitPath(path)) {
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

/**
 * Resolves `path` inside a root, following every symlink on the way (and the last component too
 * when `followFinal`), as if the root were `/`: an absolute target restarts at the root, `..` stops
 * there. The result names only real directories up to the first missing component; the rest is
 * lexical. Never touches anything outside the root.
 */
export async function resolveInScope(path: string | readonly string[], probe: Probe, followFinal: boolean): Promise<string[]> {
  let remaining = typeof path === 'string' ? splitPath(path) : path.filter((p) => p !== '' && p !== '.');
  const resolved: string[] = [];
  let links = 0;
  let missing = false;
  while (remaining.length > 0) {
    const [part, ...rest] = remaining as [string, ...string[]];
    remaining = rest;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      missing = false; // back on a path that was seen to exist
      continue;
    }
    const candidate = [...resolved, part];
    if (missing) {
      resolved.push(part);
      continue;
    }
    const st = await probe(candidate);
    if (st === undefined) {
      missing = true;
      resolved.push(part);
      continue;
    }
    if (st.kind === 'symlink' && (followFinal || remaining.length > 0)) {
      if (++links > MAX_LINKS) {
        throw new BerthError('UNSAFE_PATH', `too many levels of symbolic links resolving '/${candidate.join('/')}'`);
      }
      if (st.target.startsWith('/')) resolved.length = 0;
      remaining = [...splitPath(st.target), ...remaining];
      continue;
    }
    resolved.push(part);
  }
  return resolved;
}
