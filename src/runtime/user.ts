// USER resolution as docker does it: `name`, `uid`, `name:group`, `uid:gid` looked up in the rootfs's /etc/passwd and /etc/group.

import { BerthError } from '../util/errors.ts';
import { readFileInRoot } from './root-path.ts';

/** The process identity a container step runs with. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The primary gid first, then the supplementary groups from /etc/group (CVE-2023-25173: never drop the primary). */
  additionalGids: number[];
  /** The passwd entry's name, when the user has one. */
  name?: string;
  /** The passwd entry's home ("/" without one), for a default HOME. */
  home: string;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Bounds what berth reads of an image's passwd and group files (CVE-2026-47262: a 1 GiB sparse /etc/group). */
export const MAX_ACCOUNT_FILE_BYTES = 8 * 1024 * 1024;
const MAX_ID = 2 ** 31 - 1;

function parseId(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** Parses /etc/passwd text; lines with a malformed uid or gid are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(text)) {
    const uid = parseId(f[2]);
    const gid = parseId(f[3]);
    if (uid === undefined || gid === undefined) continue;
    out.push({ name: f[0] ?? '', uid, gid, home: f[5] ?? '' });
  }
  return out;
}

/** Parses /etc/group text; lines with a malformed gid are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(text)) {
    const gid = parseId(f[2]);
    if (gid === undefined) continue;
    const members = (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '');
    out.push({ name: f[0] ?? '', gid, members });
  }
  return out;
}

/** The id part of a USER string: a number is an id even when no entry has it, as in docker. */
function numeric(text: string, what: 'user' | 'group'): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = parseId(text);
  if (n === undefined) throw new BerthError('INVALID_ARGUMENT', `${what} id ${text} is out of range (0 to ${MAX_ID})`);
  return n;
}

/**
 * Resolves a USER value against passwd and group entries (undefined: the file is missing),
 * with docker's rules (moby/sys/user GetExecUser):
 * - "" is root; a name must exist in passwd ("unable to find user x: no matching entries in passwd file");
 *   a number need not.
 * - Without an explicit group: the passwd entry's gid and, as supplementary groups, every group
 *   listing the user's name. With one: that group only ("unable to find group g: no matching entries in group file").
 */
export function resolveUserIn(spec: string, passwd: PasswdEntry[] | undefined, groups: GroupEntry[] | undefined): ResolvedUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);

  const uidArg = numeric(userArg, 'user');
  const match = (passwd ?? []).find((u) => (userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  let user: ResolvedUser;
  if (match) {
    user = { uid: match.uid, gid: match.gid, additionalGids: [], name: match.name, home: match.home || '/' };
  } else if (userArg === '') {
    user = { uid: 0, gid: 0, additionalGids: [], home: '/' };
  } else if (uidArg !== undefined) {
    user = { uid: uidArg, gid: 0, additionalGids: [], home: '/' };
  } else {
    throw new BerthError('INVALID_ARGUMENT', `unable to find user ${userArg}: no matching entries in passwd file`);
  }

  const supplementary: number[] = [];
  if (groupArg !== '') {
    const gidArg = numeric(groupArg, 'group');
    const group = (groups ?? []).find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupArg));
    if (group) user.gid = group.gid;
    else if (gidArg !== undefined) user.gid = gidArg;
    else throw new BerthError('INVALID_ARGUMENT', `unable to find group ${groupArg}: no matching entries in group file`);
  } else if (user.name !== undefined) {
    for (const g of groups ?? []) if (g.members.includes(user.name)) supplementary.push(g.gid);
  }
  user.additionalGids = [...new Set([user.gid, ...supplementary])];
  return user;
}

/** Resolves a USER value against the passwd and group files of `rootfs`, read without leaving it. */
export async function resolveUser(rootfs: string, spec: string): Promise<ResolvedUser> {
  const [passwd, group] = await Promise.all([
    readFileInRoot(rootfs, '/etc/passwd', MAX_ACCOUNT_FILE_BYTES),
    readFileInRoot(rootfs, '/etc/group', MAX_ACCOUNT_FILE_BYTES),
  ]);
  return resolveUserIn(
    spec,
    passwd === undefined ? undefined : parsePasswd(passwd.toString('utf8')),
    group === undefined ? undefined : parseGroup(group.toString('utf8')),
  );
}
