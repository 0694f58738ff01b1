// --chown names resolved in the destination image (/etc/passwd, /etc/group read inside its rootfs,
// never through a symlink out of it), as docker does.
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';

async function readInRoot(root: string, rel: string): Promise<string | undefined> {
  let cur = root;
  for (const part of rel.split('/').filter(Boolean)) {
    cur = path.join(cur, part);
    const st = await lstat(cur).catch(() => undefined);
    if (!st || st.isSymbolicLink()) return undefined; // a link could lead out of the rootfs
  }
  return readFile(cur, 'utf8').catch(() => undefined);
}

function lookup(text: string | undefined, name: string): number | undefined {
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return undefined;
}

/** `user[:group]` with names or numbers → uid/gid; a name's primary group when no group is given. */
export async function resolveChown(root: string, spec: string): Promise<{ uid: number; gid: number }> {
  const [user = '', group] = spec.split(':');
  const passwd = await readInRoot(root, 'etc/passwd');
  const uid = /^\d+$/.test(user) ? Number(user) : lookup(passwd, user);
  if (uid === undefined) throw new BerthError('BUILD_FAILED', `unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
  let gid: number | undefined;
  if (group === undefined || group === '') {
    if (/^\d+$/.test(user)) gid = uid;
    else {
      const entry = (passwd ?? '').split('\n').map((l) => l.split(':')).find((f) => f[0] === user);
      gid = entry?.[3] !== undefined ? Number(entry[3]) : uid;
    }
  } else {
    gid = /^\d+$/.test(group) ? Number(group) : lookup(await readInRoot(root, 'etc/group'), group);
    if (gid === undefined) throw new BerthError('BUILD_FAILED', `unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
  }
  return { uid, gid };
}
