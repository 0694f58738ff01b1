// Crash-safe file writes: temp file in the same directory tree, fsync, rename over the target,
// fsync of the directory, so a reader sees the old file or the new one, never a torn one.
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * A temp-file name that records its writer's pid, so leftovers of a dead process can be found. The
 * 48 random bits only keep one process's names apart, so Math.random does (node:crypto costs a
 * cached build a few dozen modules it otherwise never loads).
 */
export function tempName(dir: string, label = 'tmp'): string {
  return path.join(dir, `.${label}-${process.pid}-${Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0')}`);
}

/** The pid encoded in a temp-file name made by tempName, if any. */
export function tempOwner(name: string): number | undefined {
  const m = /^\.[\w-]*?-(\d+)-[0-9a-f]{12}$/.exec(path.basename(name));
  return m ? Number(m[1]) : undefined;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

export interface AtomicWriteOptions {
  /**
   * false for a cache whose reader takes a missing or torn file for a miss: the rename still keeps
   * the old or the new content for every reader, but a crash may lose the write (no fsyncs, which
   * cost milliseconds each on every rebuild).
   */
  durable?: boolean;
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, tmpDir = path.dirname(file), opts: AtomicWriteOptions = {}): Promise<void> {
  const durable = opts.durable ?? true;
  const tmp = tempName(tmpDir);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (durable) await fsyncDir(path.dirname(file));
}
