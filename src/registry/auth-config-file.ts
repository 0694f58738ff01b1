// docker's config.json ($DOCKER_CONFIG/config.json, else ~/.docker/config.json) and podman's
// auth.json as files: where they are, how an `auths` key matches a registry host, and an atomic
// rewrite that keeps every key berth does not know, the file's mode (0600 when new) and its owner.
import { randomBytes } from 'node:crypto';
import { chmod, chown, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import { makeDirs } from '../util/make-dirs.ts';

/** The key docker uses for Docker Hub in `auths` and with credential helpers. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** A config file bigger than this is not a credentials file. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** One `auths` entry as docker writes it. */
export interface AuthEntry {
  /** base64 of "user:password" */
  auth?: string;
  identitytoken?: string;
  /** Older files (and podman's) may spell these out. */
  username?: string;
  password?: string;
  [key: string]: unknown;
}

export interface ConfigDoc {
  /** The file (symlinks resolved when it exists). */
  file: string;
  exists: boolean;
  /** The whole document; unknown keys are kept as they are. */
  json: Record<string, unknown>;
}

/** docker's ConvertToHostname: drop the scheme and any path. */
export function convertToHostname(server: string): string {
  const bare = server.replace(/^https?:\/\//i, '');
  return bare.split('/')[0]!;
}

/** The `auths` / credential-helper key docker uses for a registry host (or server URL). */
export function authKey(server: string): string {
  const host = convertToHostname(server).toLowerCase();
  return DOCKER_HUB_NAMES.has(host) ? DOCKER_HUB_AUTH_KEY : convertToHostname(server);
}

/** True when an `auths` key (any spelling docker accepts) names the same registry as `key`. */
export function sameRegistry(entryKey: string, key: string): boolean {
  return entryKey === key || authKey(entryKey) === key;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

/** podman's auth files in the order containers/image reads them. */
export function podmanAuthFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  const files: string[] = [];
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  else if (process.getuid?.() === 0) files.push('/run/containers/0/auth.json');
  files.push(path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'containers', 'auth.json'));
  return files;
}

/** Reads a config file; a missing one is an empty document, a broken one a typed error naming it. */
export async function readConfigDoc(file: string): Promise<ConfigDoc> {
  let text: string;
  let real = file;
  try {
    real = await realpath(file);
    if ((await stat(real)).size > MAX_CONFIG_BYTES) {
      throw new BerthError('REGISTRY_AUTH', `${file} is larger than ${MAX_CONFIG_BYTES} bytes: not a credentials file`);
    }
    text = await readFile(real, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, exists: false, json: {} };
    if (e instanceof BerthError) throw e;
    throw new BerthError('REGISTRY_AUTH', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (text.trim() === '') return { file: real, exists: true, json: {} };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BerthError('REGISTRY_AUTH', `${file} is not valid JSON: ${(e as Error).message}`, { cause: e, hint: 'fix or remove the file' });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BerthError('REGISTRY_AUTH', `${file} does not hold a JSON object`, { hint: 'fix or remove the file' });
  }
  return { file: real, exists: true, json: json as Record<string, unknown> };
}

/** The `auths` object of a document (created when `create`), or undefined. */
export function authsOf(doc: ConfigDoc, create = false): Record<string, AuthEntry> | undefined {
  const auths = doc.json.auths;
  if (auths !== null && typeof auths === 'object' && !Array.isArray(auths)) return auths as Record<string, AuthEntry>;
  if (!create) return undefined;
  const fresh: Record<string, AuthEntry> = {};
  doc.json.auths = fresh;
  return fresh;
}

/** A string-valued setting such as `credsStore`, or a `credHelpers` entry. */
export function helperFor(doc: ConfigDoc, key: string): string | undefined {
  const helpers = doc.json.credHelpers;
  if (helpers !== null && typeof helpers === 'object') {
    const byKey = helpers as Record<string, unknown>;
    const named = byKey[key] ?? byKey[convertToHostname(key)];
    if (typeof named === 'string' && named !== '') return named;
  }
  const store = doc.json.credsStore;
  return typeof store === 'string' && store !== '' ? store : undefined;
}

/** Decodes an entry into user and password (base64 `auth` first, as docker does). */
export function decodeEntry(entry: AuthEntry): { username: string; password: string } | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) throw new BerthError('REGISTRY_AUTH', 'a stored "auth" value is not base64 of "user:password"', { hint: 'log in again' });
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  return undefined;
}

/**
 * Writes the document atomically: a 0600 temp file beside it, fsync, the old file's mode and
 * owner, rename, fsync of the directory. The directory is made 0700 when missing.
 */
export async function writeConfigDoc(doc: ConfigDoc): Promise<void> {
  const dir = path.dirname(doc.file);
  await makeDirs(dir, 0o700);
  let old: { mode: number; uid: number; gid: number } | undefined;
  try {
    const st = await stat(doc.file);
    old = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch {
    // a new file
  }
  const tmp = path.join(dir, `.${path.basename(doc.file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    // docker indents its config file with tabs.
    await fh.writeFile(JSON.stringify(doc.json, null, '\t') + '\n');
    if (old) {
      await fh.chmod(old.mode);
      if (old.uid !== process.getuid?.() || old.gid !== process.getgid?.()) await chown(tmp, old.uid, old.gid).catch(() => undefined);
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, doc.file);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw new BerthError('REGISTRY_AUTH', `cannot write ${doc.file}: ${(e as Error).message}`, { cause: e });
  }
  if (!old) await chmod(doc.file, 0o600);
  const dh = await open(dir, 'r');
  try { await dh.sync(); } finally { await dh.close(); }
}
