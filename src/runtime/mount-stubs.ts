// Mount points runc had to create in the rootfs (/etc/hosts, /proc, a bind target) removed after the run, so they never reach the step's layer.
//
// BuildKit's MountStubsCleaner, and its CVE-2024-23652 lesson: a stub is removed only if its path
// still resolves, inside the root, to the place recorded before the run (the step may have swapped
// a parent for a symlink), only if it is still an empty file or a tree of empty directories, and
// without ever following a symlink.

import { lstat, lutimes, readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from './root-path.ts';

interface Stub {
  /** Host path of the first missing component of a mount destination. */
  hostPath: string;
  /** The same, as a container path. */
  containerPath: string;
  parentTimes?: { atime: Date; mtime: Date };
}

export interface MountStubs {
  /** Container paths that did not exist before the run. */
  readonly paths: readonly string[];
  /** Removes the stubs that are still empty, restoring their parents' timestamps. Never throws. */
  cleanup(): Promise<void>;
}

/** Records which of `destinations` (container paths) are missing from `rootfs` before runc creates them. */
export async function recordMountStubs(rootfs: string, destinations: readonly string[]): Promise<MountStubs> {
  const stubs = new Map<string, Stub>();
  for (const destination of destinations) {
    const resolved = await resolveInRoot(rootfs, destination);
    if (resolved.missing === undefined || stubs.has(resolved.missing)) continue;
    const stub: Stub = { hostPath: resolved.missing, containerPath: `/${path.relative(rootfs, resolved.missing)}` };
    const parent = await lstat(path.dirname(resolved.missing)).catch(() => undefined);
    if (parent?.isDirectory()) stub.parentTimes = { atime: parent.atime, mtime: parent.mtime };
    stubs.set(resolved.missing, stub);
  }
  return {
    paths: [...stubs.values()].map((s) => s.containerPath),
    async cleanup() {
      for (const stub of stubs.values()) await removeStub(rootfs, stub).catch(() => {});
    },
  };
}

async function removeStub(rootfs: string, stub: Stub): Promise<void> {
  const again = await resolveInRoot(rootfs, stub.containerPath);
  if (again.path !== stub.hostPath || again.missing !== undefined) return;
  if (!(await pruneEmpty(stub.hostPath))) return;
  if (stub.parentTimes) {
    const parent = path.dirname(stub.hostPath);
    const st = await lstat(parent);
    if (st.isDirectory()) await lutimes(parent, stub.parentTimes.atime, stub.parentTimes.mtime);
  }
}

/** Removes `p` if it is an empty regular file or a directory holding only such things; true when gone. */
async function pruneEmpty(p: string): Promise<boolean> {
  const st = await lstat(p);
  if (st.isFile()) {
    if (st.size !== 0) return false;
    await unlink(p);
    return true;
  }
  if (!st.isDirectory()) return false;
  let all = true;
  for (const name of await readdir(p)) {
    if (!(await pruneEmpty(path.join(p, name)))) all = false;
  }
  if (!all) return false;
  await rmdir(p);
  return true;
}
