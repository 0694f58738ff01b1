// Running a filesystem-changing step: stack the parent layers, let the step write into a fresh
// upper dir, and commit that upper dir as the step's layer (it already is the diff) — or no layer
// when the step changed nothing.
import { lstat, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { diffDirToTar } from '../layer/index.ts';
import { prepareSnapshot } from '../snapshot/index.ts';
import { commitLayerTar, type Store } from '../store/index.ts';
import { tempName } from '../util/atomic-file.ts';
import type { BuildState, LayerRef } from './types.ts';

/** Paths a container runtime may create as mount points; removed again if the step left them empty. */
const MOUNT_STUBS = ['/proc', '/sys', '/dev', '/etc/resolv.conf', '/etc/hosts', '/etc/hostname', '/etc'];

async function missing(root: string, paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (!(await lstat(path.join(root, p)).then(() => true, () => false))) out.push(p);
  return out;
}

async function removeIfEmptyStub(root: string, p: string): Promise<void> {
  const full = path.join(root, p);
  const st = await lstat(full).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory()) {
    // /dev may hold only stubs for /dev/pts, /dev/shm, ... created by the runtime.
    for (const child of await readdir(full)) {
      const c = await lstat(path.join(full, child));
      if (c.isDirectory() && (await readdir(path.join(full, child))).length === 0) await rmdir(path.join(full, child));
    }
    if ((await readdir(full)).length === 0) await rmdir(full);
  } else if (st.isFile() && st.size === 0) {
    await rm(full);
  }
}

export async function runFsStep(store: Store, state: BuildState, body: (root: string) => Promise<void>): Promise<LayerRef | null> {
  const work = tempName(store.layout.tmpDir, 'step');
  await mkdir(work, { recursive: true });
  try {
    const lowers: string[] = [];
    for (const l of state.layers) lowers.push(await store.snapshots.ensure(l.diffId, l.digest));
    const snap = await prepareSnapshot(work, lowers);
    try {
      const stubs = await missing(snap.root, MOUNT_STUBS);
      await body(snap.root);
      for (const p of stubs) await removeIfEmptyStub(snap.root, p);
    } finally {
      await snap.release();
    }
    if ((await readdir(snap.upper)).length === 0) return null;
    const layer = await commitLayerTar(store.blobs, diffDirToTar(snap.upper));
    await store.snapshots.adopt(layer.diffId, snap.upper);
    return layer;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
