// A writable view without a mount, for a step that writes only at one path no parent layer has (a
// COPY into a new directory): the upper dir alone, with the path's existing ancestors copied up as
// overlayfs would on the first write into them. Mounting and unmounting cost two processes, and on
// a VM every process forked from a large one makes the parent fault on each page it writes next.
import { lstatSync, mkdirSync, utimesSync, chownSync, chmodSync, type Stats } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isOpaque, isOverlayXattr, readXattrsSync, setXattr } from '../layer/index.ts';
import type { MutableSnapshot } from './overlay.ts';
import { makeDirs } from '../util/make-dirs.ts';

interface Ancestor {
  rel: string;
  st: Stats;
  /** The directory in the top-most layer that has it: where its metadata comes from. */
  source: string;
}

function lstatOrUndefined(abs: string): Stats | undefined {
  try {
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * The existing ancestors of `parts` in the stack `lowers` (bottom layer first, as overlayfs would
 * merge them), or undefined when the path itself exists, or an ancestor is not a plain directory
 * (a symlink to follow, a file): then only a mounted view gives the step what it would see.
 */
export function ancestorsToCopyUp(lowers: readonly string[], parts: readonly string[]): Ancestor[] | undefined {
  if (parts.length === 0) return undefined;
  let layers = [...lowers].reverse();
  const chain: Ancestor[] = [];
  for (let i = 0; i < parts.length; i++) {
    const rel = parts.slice(0, i + 1).join('/');
    let top: Ancestor | undefined;
    const merged: string[] = [];
    for (const layer of layers) {
      const abs = path.join(layer, rel);
      const st = lstatOrUndefined(abs);
      if (st === undefined) continue;
      // A whiteout (0/0 character device) hides the path in every layer below.
      if (st.isCharacterDevice() && st.rdev === 0) break;
      if (!st.isDirectory()) {
        if (top === undefined) return undefined;
        break;
      }
      top ??= { rel, st, source: abs };
      merged.push(layer);
      if (isOpaque(readXattrsSync(abs))) break;
    }
    if (top === undefined) return chain;
    if (i === parts.length - 1) return undefined;
    chain.push(top);
    layers = merged;
  }
  return chain;
}

/**
 * Prepares `workDir/upper` for a step that writes only at `parts` (and below), or undefined when
 * that needs the mounted view (see ancestorsToCopyUp). The copied-up ancestors keep their owner,
 * mode, attributes and times, as overlayfs's copy-up does.
 */
export async function prepareDirectUpper(workDir: string, lowers: readonly string[], parts: readonly string[]): Promise<MutableSnapshot | undefined> {
  const chain = ancestorsToCopyUp(lowers, parts);
  if (chain === undefined) return undefined;
  const upper = path.join(workDir, 'upper');
  await makeDirs(upper, 0o755);
  for (const a of chain) {
    const dir = path.join(upper, a.rel);
    mkdirSync(dir);
    chownSync(dir, a.st.uid, a.st.gid);
    chmodSync(dir, a.st.mode & 0o7777);
    for (const [name, value] of readXattrsSync(a.source)) if (!isOverlayXattr(name)) await setXattr(dir, name, value);
  }
  // Times last and deepest first: making a child directory touches its parent's mtime.
  for (const a of [...chain].reverse()) utimesSync(path.join(upper, a.rel), a.st.atime, a.st.mtime);
  return { root: upper, upper, release: async () => { await rm(path.join(workDir, 'work'), { recursive: true, force: true }); } };
}
