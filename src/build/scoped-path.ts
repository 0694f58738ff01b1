// Paths inside a container rootfs resolved the way the container would see them: symlinks are
// followed with the rootfs as `/`, so no path ever leads out to the host (docker's FollowSymlinkInScope).
import { lstat, mkdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';

const MAX_LINKS = 255;

/** The host path of `p` (absolute in the container) under `root`, every symlink resolved in scope. */
export async function resolveInRoot(root: string, p: string): Promise<string> {
  const pending = p.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '..') { done.pop(); continue; }
    const host = path.join(root, ...done, part);
    const st = await lstat(host).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new BerthError('UNSAFE_PATH', `too many levels of symbolic links resolving ${p}`);
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}

/** mkdir -p of a container path, in scope. */
export async function mkdirInRoot(root: string, p: string, mode = 0o755): Promise<string> {
  const host = await resolveInRoot(root, p);
  await mkdir(host, { recursive: true, mode });
  return host;
}
