// mkdir -p of a container path inside a rootfs, symlinks resolved in scope (never out to the host).
import { lchown } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../runtime/root-path.ts';
import { makeDirs } from '../util/make-dirs.ts';

/** Creates `p` and its missing parents; the directories it created get `owner` when given. Returns the host path. */
export async function mkdirInRoot(root: string, p: string, mode = 0o755, owner?: { uid: number; gid: number }): Promise<string> {
  const host = (await resolveInRoot(root, p)).path;
  const first = await makeDirs(host, mode);
  if (owner && first !== undefined) {
    for (let d = host; ; d = path.dirname(d)) {
      await lchown(d, owner.uid, owner.gid);
      if (d === first || d === path.dirname(d)) break;
    }
  }
  return host;
}
