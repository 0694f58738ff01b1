// What a berth process killed in the middle of a build step (SIGKILL, OOM killer, a crash) leaves
// besides its temp dir: the runc container still running the step over a rootfs in that dir, and
// the overlay mounted there. Removing the dir alone would fail on the mount point (or, with the
// container alive, race its writes); so the container goes first, then the mounts, then the dir.
import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const SBIN_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');

function run(cmd: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, PATH: `${process.env.PATH ?? ''}:${SBIN_PATH}` } }, (error) => resolve(!error));
  });
}

const within = (p: string, dirs: readonly string[]): boolean => dirs.some((d) => p === d || p.startsWith(d + '/'));

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Containers under `<root>/runc` (or bundles under `<root>/bundles`) whose rootfs lies in one of
 * `dirs`: killed and deleted with `runc delete --force`, their bundle dirs removed. A container of a
 * live process never has its rootfs in a dead process's temp dir, so it is never touched. Nor is a
 * container of `berth run` (rootfs under `<root>/containers`): it outlives the berth that started it,
 * its supervisor owns it, and only `berth rm` removes it.
 */
async function removeContainers(root: string, dirs: readonly string[]): Promise<void> {
  const stateDir = path.join(root, 'runc');
  const bundlesDir = path.join(root, 'bundles');
  const containersDir = path.join(root, 'containers');
  dirs = dirs.filter((d) => !within(d, [containersDir]));
  const ids = new Set<string>();
  for (const id of await readdir(stateDir).catch(() => [] as string[])) {
    const state = (await readJson(path.join(stateDir, id, 'state.json'))) as { config?: { rootfs?: unknown } } | undefined;
    const rootfs = state?.config?.rootfs;
    if (typeof rootfs === 'string' && within(rootfs, dirs)) ids.add(id);
  }
  for (const id of await readdir(bundlesDir).catch(() => [] as string[])) {
    const config = (await readJson(path.join(bundlesDir, id, 'config.json'))) as { root?: { path?: unknown } } | undefined;
    const rootfs = config?.root?.path;
    if (typeof rootfs === 'string' && within(rootfs, dirs)) ids.add(id);
  }
  for (const id of ids) {
    if ((await readdir(path.join(stateDir, id)).catch(() => undefined)) !== undefined) {
      await run('runc', ['--root', stateDir, 'delete', '--force', id]);
    }
    await rm(path.join(bundlesDir, id), { recursive: true, force: true });
  }
}

/** Mount points at or below any of `dirs`, the most recently mounted first (so nested ones go first). */
async function mountsBelow(dirs: readonly string[]): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = text.split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && within(p, dirs));
  return points.reverse();
}

/**
 * Removes the temp dirs of dead processes with everything they still hold: their containers, the
 * mounts below them, then the dirs. A dir that stays mounted (unmount refused) is left for the next
 * open rather than emptied through the mount.
 */
export async function removeDeadTempDirs(root: string, dirs: readonly string[]): Promise<void> {
  if (dirs.length === 0) return;
  await removeContainers(root, dirs);
  for (const point of await mountsBelow(dirs)) {
    if (!(await run('umount', [point]))) await run('umount', ['-l', point]);
  }
  const mounted = await mountsBelow(dirs);
  for (const dir of dirs) {
    if (mounted.some((m) => within(m, [dir]))) continue;
    await rm(dir, { recursive: true, force: true });
  }
}
