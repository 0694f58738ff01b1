// Running a filesystem-changing step: stack the parent layers, let the step write into a fresh
// upper dir, and commit that upper dir as the step's layer (it already is the diff) — or no layer
// when the step changed nothing, unless the step always makes one (WORKDIR, as in BuildKit).
import { mkdir, readdir, rm } from 'node:fs/promises';
import { prepareSnapshot } from '../snapshot/index.ts';
import { commitLayerDir, type Store } from '../store/index.ts';
import { tempName } from '../util/atomic-file.ts';
import type { BuildState, LayerRef } from './types.ts';

export async function runFsStep(store: Store, state: BuildState, body: (root: string) => Promise<void>, opts: { alwaysLayer?: boolean } = {}): Promise<LayerRef | null> {
  const work = tempName(store.layout.tmpDir, 'step');
  await mkdir(work, { recursive: true });
  try {
    const lowers: string[] = [];
    for (const l of state.layers) lowers.push(await store.snapshots.ensure(l.diffId, l.digest));
    const snap = await prepareSnapshot(work, lowers);
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
