// Persistent `RUN --mount=type=cache` directories under <root>/cache-mounts: one folder per cache
// key (the id, and the base it starts from), holding numbered instances, each with its own OFD lock
// file. The kernel drops a lock when its holder dies, so a killed build never wedges a cache.
//
// BuildKit's sharing modes, per instance: `shared` users hold the lock shared (they all see one
// directory), `locked` holds it exclusive (a second build waits for the first one's step to end),
// `private` takes the first instance nobody uses and creates a new one when all are busy.
import { createHash } from 'node:crypto';
import { open, readdir, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { nativeLocks } from '../../store/native-locks.ts';
import { tempName } from '../../util/atomic-file.ts';
import { makeDirs } from '../../util/make-dirs.ts';


export type CacheSharing = 'shared' | 'private' | 'locked';

/** Where every cache mount of a store lives. */
export const cacheMountsDir = (storeRoot: string): string => path.join(storeRoot, 'cache-mounts');

export interface CacheDirRequest {
  storeRoot: string;
  tmpDir: string;
  id: string;
  /** What else makes this cache distinct (BuildKit: the base ref it starts from, uid/gid/mode). */
  base: string;
  sharing: CacheSharing;
  /** Fills a new instance's directory (created empty, mode 0755, root-owned). */
  init(dir: string): Promise<void>;
  signal?: AbortSignal | undefined;
}

export interface HeldCacheDir {
  /** The directory to mount. */
  dir: string;
  release(): Promise<void>;
}

function keyDir(req: CacheDirRequest): string {
  const hash = createHash('sha256').update(`${req.id}\0${req.base}`).digest('hex').slice(0, 32);
  return path.join(cacheMountsDir(req.storeRoot), hash);
}

async function instances(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

/** Creates instance `n` whole or not at all: filled in a temp dir, then renamed into place. */
async function createInstance(req: CacheDirRequest, dir: string, n: number): Promise<void> {
  const tmp = tempName(req.tmpDir, 'cachemount');
  await makeDirs(tmp, 0o755);
  try {
    await req.init(tmp);
    await rename(tmp, path.join(dir, String(n)));
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    // Another build created it meanwhile: use theirs.
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

async function lockFile(dir: string, n: number): Promise<FileHandle> {
  return open(path.join(dir, `${n}.lock`), 'a+', 0o600);
}

function held(dir: string, n: number, fh: FileHandle): HeldCacheDir {
  return { dir: path.join(dir, String(n)), release: () => fh.close() };
}

export async function acquireCacheDir(req: CacheDirRequest): Promise<HeldCacheDir> {
  const dir = keyDir(req);
  await makeDirs(dir, 0o700);
  await writeFile(path.join(dir, 'id'), `${req.id}\n`);
  if (req.sharing !== 'private') {
    const fh = await lockFile(dir, 0);
    try {
      // Polled, as BuildKit waits for a locked cache (every 100 ms), so that an interrupted build stops waiting.
      while (!nativeLocks().tryLock(fh.fd, 0, 1, { shared: req.sharing === 'shared' })) {
        req.signal?.throwIfAborted();
        await delay(100);
      }
      req.signal?.throwIfAborted();
      if (!(await stat(path.join(dir, '0')).catch(() => undefined))) await createInstance(req, dir, 0);
      return held(dir, 0, fh);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }
  for (let n = 0; ; n++) {
    const fh = await lockFile(dir, n);
    if (!nativeLocks().tryLock(fh.fd, 0, 1, { shared: false })) {
      await fh.close();
      continue;
    }
    try {
      if (!(await stat(path.join(dir, String(n))).catch(() => undefined))) await createInstance(req, dir, n);
      return held(dir, n, fh);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }
}

/**
 * Removes every cache mount nobody is using (an instance in use by a running build stays); returns
 * the bytes freed. For `berth builder prune`.
 */
export async function pruneCacheDirs(storeRoot: string, sizeOf: (p: string) => Promise<number>): Promise<number> {
  let freed = 0;
  const top = cacheMountsDir(storeRoot);
  for (const key of await readdir(top).catch(() => [] as string[])) {
    const dir = path.join(top, key);
    for (const n of await instances(dir)) {
      const fh = await lockFile(dir, n);
      try {
        if (!nativeLocks().tryLock(fh.fd, 0, 1, { shared: false })) continue; // in use by a running build
        freed += await sizeOf(path.join(dir, String(n)));
        await rm(path.join(dir, String(n)), { recursive: true, force: true });
      } finally {
        await fh.close();
      }
    }
  }
  // The lock files stay: one removed while another build has it open would no longer exclude anyone.
  return freed;
}
