// `berth builder prune`: the build cache is the step records under <root>/cache/steps, the context
// checksum memo, the build memos, the layers only those records keep (stages that are not part of any image,
// failed builds), and the RUN --mount=type=cache directories (as docker's builder prune removes
// cache mounts). All of it is disposable: a build without it just runs its steps again.
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pruneCacheDirs } from '../build/index.ts';
import { CacheIndex } from '../cache/index.ts';
import { openStore } from './image-resolve.ts';

export interface BuildCachePruneResult {
  /** Step records removed. */
  records: number;
  /** Bytes freed: the records, the checksum memo, and the layers no image uses. */
  reclaimed: number;
}

async function bytesIn(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) total += (await stat(path.join(dir, name)).catch(() => undefined))?.size ?? 0;
  return total;
}

/** Bytes of the regular files under `dir` (a cache mount's contents). */
async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile()) total += (await lstat(path.join(e.parentPath ?? e.path, e.name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

export async function pruneBuildCache(root: string): Promise<BuildCachePruneResult> {
  const store = await openStore(root);
  const cacheDir = path.join(store.layout.root, 'cache');
  const stepsDir = path.join(cacheDir, 'steps');
  // The memo: one file per context under checksums/ (checksums.json in stores from before that).
  const memoDir = path.join(cacheDir, 'checksums');
  const oldMemo = path.join(cacheDir, 'checksums.json');
  // The build memos (build-memo.ts) vouch for step records: they go with them.
  const buildsDir = path.join(cacheDir, 'builds');
  let reclaimed = (await bytesIn(stepsDir)) + (await bytesIn(memoDir)) + (await bytesIn(buildsDir));
  reclaimed += (await stat(oldMemo).catch(() => undefined))?.size ?? 0;
  const records = await new CacheIndex(stepsDir, store.layout.tmpDir).clear();
  reclaimed += await pruneCacheDirs(store.layout.root, treeSize);
  await rm(buildsDir, { recursive: true, force: true });
  await rm(memoDir, { recursive: true, force: true });
  await rm(oldMemo, { force: true });
  // With the records gone, the layers only they referenced are garbage like any unreferenced blob.
  const { freed } = await store.collectGarbage();
  return { records, reclaimed: reclaimed + freed };
}
