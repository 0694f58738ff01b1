// Store maintenance: `berth system check [--repair]` and `berth image prune [-a]`.
import { checkStore, type CheckProblem } from '../store/index.ts';
import { buildCacheRoots } from '../build/cache-roots.ts';
import { imagesInUse } from './container-users.ts';
import { openStore } from './image-resolve.ts';

export async function systemCheck(root: string, opts: { repair?: boolean } = {}): Promise<CheckProblem[]> {
  return checkStore(await openStore(root), opts);
}

export interface PruneResult {
  /** Config digests (image IDs) of the images removed. */
  deleted: string[];
  untagged: string[];
  reclaimed: number;
}

/** Removes dangling (untagged) images, or with `all` every image (no container uses one yet), then collects blobs. */
export async function pruneImages(root: string, opts: { all?: boolean } = {}): Promise<PruneResult> {
  const store = await openStore(root);
  const deleted: string[] = [];
  const untagged: string[] = [];
  const inUse = await imagesInUse(store);
  for (const img of await store.images()) {
    if (!opts.all && img.tags.length > 0) continue;
    if (inUse.has(img.manifest)) continue; // as docker: an image a container uses is never pruned
    untagged.push(...(await store.removeImage(img.manifest)));
    deleted.push(img.config);
  }
  const { freed } = await store.collectGarbage(() => buildCacheRoots(store.layout.root, store.layout.tmpDir));
  return { deleted, untagged, reclaimed: freed };
}
