// Mutable snapshots on overlayfs: the parent layers' unpacked dirs stacked read-only, a fresh upper
// dir collecting every write, mounted at a merged dir the step runs in. The upper dir *is* the diff.
import { rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { BerthError } from '../util/errors.ts';
import { makeDirs } from '../util/make-dirs.ts';

const run = promisify(execFile);

export interface MutableSnapshot {
  /** The merged root filesystem (or, with no parent layers, the upper dir itself). */
  root: string;
  /** Where the changes land. */
  upper: string;
  release(): Promise<void>;
}

/**
 * Prepares a writable view over `lowers` (bottom layer first) inside `workDir` (which must be on a
 * filesystem overlayfs accepts as upper, e.g. the store's tmp).
 */
export async function prepareSnapshot(workDir: string, lowers: readonly string[]): Promise<MutableSnapshot> {
  const upper = path.join(workDir, 'upper');
  const work = path.join(workDir, 'work');
  const merged = path.join(workDir, 'merged');
  await makeDirs(upper, 0o755);
  if (lowers.length === 0) {
    return { root: upper, upper, release: async () => { await rm(work, { recursive: true, force: true }); } };
  }
  await makeDirs(work);
  await makeDirs(merged);
  // overlayfs lists the top layer first. A layer stacked twice (two identical diffs, such as the empty
  // layers of two WORKDIR steps) is kept at its top-most place only: overlayfs refuses a directory
  // given twice (ELOOP), and the lower copy changes nothing the upper one does not already decide.
  const lowerdir = [...new Set([...lowers].reverse())].join(':');
  const options = `lowerdir=${lowerdir},upperdir=${upper},workdir=${work},index=off`;
  if (options.length > 4000) {
    throw new BerthError('INTERNAL', `too many layers (${lowers.length}) to stack in one overlay mount`, { hint: 'squash the base image' });
  }
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', options, merged]);
  } catch (e) {
    throw new BerthError('INTERNAL', `cannot mount the overlay filesystem for this step: ${(e as { stderr?: string }).stderr?.trim() ?? (e as Error).message}`, { cause: e, hint: 'berth needs root and overlayfs' });
  }
  let released = false;
  return {
    root: merged,
    upper,
    release: async () => {
      if (released) return;
      released = true;
      await run('umount', [merged]).catch(() => run('umount', ['-l', merged]));
      await rm(work, { recursive: true, force: true });
      await rm(merged, { recursive: true, force: true });
    },
  };
}
