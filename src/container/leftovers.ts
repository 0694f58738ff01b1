// What a container's earlier run may have left when its supervisor died (killed, or the machine rebooted): runc state, bundle, overlay mount.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { deleteContainer } from '../runtime/index.ts';

const run = promisify(execFile);

/** Mount points at or below `dir`, the most recently mounted first. */
export async function mountedBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return text.split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(dir + '/')))
    .reverse();
}

/**
 * Removes runc's state and bundle of `runcId` and every mount below the container's `dir`. Only
 * called when no supervisor of the container is alive (so nothing of this is in use).
 */
export async function clearRunLeftovers(stateRoot: string, runcId: string, dir: string): Promise<void> {
  await deleteContainer({ stateRoot }, runcId, true).catch(() => {});
  await rm(path.join(stateRoot, 'bundles', runcId), { recursive: true, force: true });
  for (const point of await mountedBelow(dir)) await run('umount', [point]).catch(() => run('umount', ['-l', point]));
}
