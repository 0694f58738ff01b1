// --chown names resolved in the destination image (its /etc/passwd and /etc/group, read without
// leaving its rootfs). As BuildKit reads them: a numeric user without a group uses the uid as the
// gid, a user name without a group takes the primary group of its passwd entry.
// Straight from the modules, not the runtime's index: a COPY --chown must not load the container runtime.
import { readFileInRoot } from '../runtime/root-path.ts';
import { parseGroup, parsePasswd } from '../runtime/user.ts';
import { BerthError } from '../util/errors.ts';

const MAX = 4 * 1024 * 1024;

export async function resolveChown(root: string, spec: string): Promise<{ uid: number; gid: number }> {
  const [user = '', group] = spec.split(':');
  const numeric = (s: string): boolean => /^\d+$/.test(s);
  let uid: number;
  let primary: number;
  if (numeric(user)) uid = primary = Number(user);
  else {
    const entry = parsePasswd((await readFileInRoot(root, '/etc/passwd', MAX))?.toString('utf8') ?? '').find((e) => e.name === user);
    if (!entry) throw new BerthError('BUILD_FAILED', `unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
    uid = entry.uid;
    primary = entry.gid;
  }
  if (group === undefined || group === '') return { uid, gid: primary };
  if (numeric(group)) return { uid, gid: Number(group) };
  const g = parseGroup((await readFileInRoot(root, '/etc/group', MAX))?.toString('utf8') ?? '').find((e) => e.name === group);
  if (!g) throw new BerthError('BUILD_FAILED', `unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
  return { uid, gid: g.gid };
}
