// Running a filesystem-changing step: stack the parent layers, let the step write into a fresh
// upper dir, and commit that upper dir as the step's layer (it already is the diff) — or no layer
// when the step changed nothing, unless the step always makes one (WORKDIR, as in BuildKit).
import { readdir, rm } from 'node:fs/promises';
import { prepareDirectUpper, prepareSnapshot } from '../snapshot/index.ts';
import { commitLayerDir, type Store } from '../store/index.ts';
import { tempName } from '../util/atomic-file.ts';
import type { BuildState, LayerRef } from './types.ts';
import { makeDirs } from '../util/make-dirs.ts';

export interface FsStepOptions {
  alwaysLayer?: boolean;
  /**
   * The one path (components from /) the step writes at and below, when it reads nothing else of
   * the parent's filesystem: if no parent layer has it, the step writes into the upper dir without
   * a mount (see snapshot/direct-upper.ts).
   */
  writesOnlyAt?: readonly string[];
}

export async function runFsStep(store: Store, state: BuildState, body: (root: string) => Promise<void>, opts: FsStepOptions = {}): Promise<LayerRef | null> {
  const work = tempName(store.layout.tmpDir, 'step');
  await makeDirs(work);
  try {
    const lowers: string[] = [];
    for (const l of state.layers) lowers.push(await store.snapshots.ensure(l.diffId, l.digest));
    const snap = (opts.writesOnlyAt && (await prepareDirectUpper(work, lowers, opts.writesOnlyAt))) || (await prepareSnapshot(work, lowers));
    try {
      // The runtime removes the mount points it had to create, so they never reach the layer.
      await body(snap.root);
    } finally {
      await snap.release();
    }
    if (!opts.alwaysLayer && (await readdir(snap.upper)).length === 0) return null;
    const layer = await commitLayerDir(store.blobs, snap.upper);
    await store.snapshots.adopt(layer.diffId, snap.upper);
    return layer;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
