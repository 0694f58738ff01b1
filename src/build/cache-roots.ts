// What the build cache keeps alive in the store: the layer blobs (and their unpacked snapshots) its
// step records and converted-layer records name. Removing an image must leave them, as `docker rmi`
// leaves BuildKit's cache: the next build of it is all CACHED. `berth builder prune` drops the records,
// and with them this hold.
import path from 'node:path';
import { CacheIndex } from '../cache/cache-index.ts';
import type { BuildState, LayerRef } from './types.ts';

export interface StoreRoots {
  blobs: Set<string>;
  diffIds: Set<string>;
}

export async function buildCacheRoots(storeRoot: string, tmpDir: string): Promise<StoreRoots> {
  const roots: StoreRoots = { blobs: new Set(), diffIds: new Set() };
  const add = (l: Partial<LayerRef> | undefined): void => {
    if (typeof l?.digest === 'string') roots.blobs.add(l.digest);
    if (typeof l?.diffId === 'string') roots.diffIds.add(l.diffId);
  };
  const cache = path.join(storeRoot, 'cache');
  for (const r of await new CacheIndex<{ state?: Partial<BuildState> }>(path.join(cache, 'steps'), tmpDir).values()) {
    for (const l of Array.isArray(r.state?.layers) ? r.state.layers : []) add(l);
  }
  for (const l of await new CacheIndex<LayerRef>(path.join(cache, 'converted-layers'), tmpDir).values()) add(l);
  return roots;
}
