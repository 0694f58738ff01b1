// Registry credentials as docker keeps them: `credHelpers[host]`, else `credsStore`, else the
// base64 `auths` entry of docker's config.json; podman's auth.json is read when docker's config
// has nothing for the host. Writes go where docker would put them (a helper, or `auths`).
import type { CredentialLookup, Credentials } from './auth.ts';
import {
  authKey, authsOf, convertToHostname, decodeEntry, dockerConfigDir, helperFor, podmanAuthFiles, readConfigDoc, sameRegistry, writeConfigDoc,
  type AuthEntry, type ConfigDoc,
} from './auth-config-file.ts';
import { helperErase, helperGet, helperStore, IDENTITY_TOKEN_USERNAME } from './credentials-helper.ts';
import path from 'node:path';

export { DOCKER_HUB_AUTH_KEY, authKey } from './auth-config-file.ts';

export interface CredentialOptions {
  /** docker's config dir (default: $DOCKER_CONFIG, else ~/.docker). */
  configDir?: string;
  /** podman auth files to fall back on (default: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json); [] for none. */
  podmanAuthFiles?: readonly string[];
  /** Environment for the defaults above and for credential helpers (PATH). */
  env?: NodeJS.ProcessEnv;
}

/** What `berth login` stores: a user and password, or (from a token server) an identity token. */
export interface StoredCredentials {
  username: string;
  password?: string;
  identityToken?: string;
}

/** Where credentials for a host came from (for messages such as docker's "Authenticating with existing credentials"). */
export interface FoundCredentials {
  credentials: Credentials;
  username: string | undefined;
  source: 'helper' | 'config' | 'podman';
  /** The helper's name or the file read. */
  from: string;
}

function configFile(opts: CredentialOptions): string {
  return path.join(opts.configDir ?? dockerConfigDir(opts.env), 'config.json');
}

function fromUserSecret(username: string, secret: string): Credentials {
  return username === IDENTITY_TOKEN_USERNAME ? { identityToken: secret } : { username, password: secret };
}

/** The entry for `key` in an `auths` object: the exact key first, then any spelling of the same host. */
function findEntry(auths: Record<string, AuthEntry> | undefined, key: string): [string, AuthEntry] | undefined {
  if (!auths) return undefined;
  if (Object.hasOwn(auths, key)) return [key, auths[key]!];
  return Object.entries(auths).find(([k]) => sameRegistry(k, key));
}

function fromEntry(entry: AuthEntry): { credentials: Credentials; username: string | undefined } | undefined {
  const userPass = decodeEntry(entry);
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { credentials: { identityToken: entry.identitytoken }, username: userPass?.username };
  }
  if (!userPass || (userPass.username === '' && userPass.password === '')) return undefined;
  return { credentials: userPass, username: userPass.username };
}

/** podman's auth.json: keys may be a host or host/namespace/repo; only the host's own key applies to a host. */
async function fromPodman(files: readonly string[], key: string): Promise<FoundCredentials | undefined> {
  const host = convertToHostname(key);
  for (const file of files) {
    const doc = await readConfigDoc(file);
    const auths = authsOf(doc);
    const entry = auths && (auths[host] ?? (key !== host ? auths[key] : undefined) ?? findEntry(auths, key)?.[1]);
    const got = entry ? fromEntry(entry) : undefined;
    if (got) return { ...got, source: 'podman', from: doc.file };
  }
  return undefined;
}

/** Credentials and where they came from, or undefined when nothing is stored for the host. */
export async function findCredentials(host: string, opts: CredentialOptions = {}): Promise<FoundCredentials | undefined> {
  const key = authKey(host);
  const env = opts.env ?? process.env;
  const doc = await readConfigDoc(configFile(opts));
  const helper = helperFor(doc, key);
  if (helper) {
    const got = await helperGet(helper, key, env);
    if (got) return { credentials: fromUserSecret(got.username, got.secret), username: got.username === IDENTITY_TOKEN_USERNAME ? undefined : got.username, source: 'helper', from: helper };
  } else {
    const entry = findEntry(authsOf(doc), key);
    const got = entry ? fromEntry(entry[1]) : undefined;
    if (got) return { ...got, source: 'config', from: doc.file };
  }
  return fromPodman(opts.podmanAuthFiles ?? podmanAuthFiles(env), key);
}

export async function getCredentials(host: string, opts: CredentialOptions = {}): Promise<Credentials | undefined> {
  return (await findCredentials(host, opts))?.credentials;
}

/** A CredentialLookup for the registry client, reading the files afresh on each call. */
export function credentialLookup(opts: CredentialOptions = {}): CredentialLookup {
  return (registry) => getCredentials(registry, opts);
}

/**
 * Stores credentials as docker login does: through the host's credential helper (leaving an empty
 * `auths` entry, as docker does) or as a base64 `auth` (plus `identitytoken`) in config.json.
 * Returns where they went.
 */
export async function storeCredentials(host: string, cred: StoredCredentials, opts: CredentialOptions = {}): Promise<{ file: string; helper: string | undefined }> {
  const key = authKey(host);
  const doc = await readConfigDoc(configFile(opts));
  const helper = helperFor(doc, key);
  const auths = authsOf(doc, true)!;
  for (const k of Object.keys(auths)) if (k !== key && sameRegistry(k, key)) delete auths[k];
  if (helper) {
    const secret = cred.identityToken ? { username: IDENTITY_TOKEN_USERNAME, secret: cred.identityToken } : { username: cred.username, secret: cred.password ?? '' };
    await helperStore(helper, key, secret, opts.env ?? process.env);
    auths[key] = {};
  } else {
    // docker keeps the user name in `auth` with the password dropped when it has an identity token.
    const password = cred.identityToken ? '' : (cred.password ?? '');
    const entry: AuthEntry = { auth: Buffer.from(`${cred.username}:${password}`).toString('base64') };
    if (cred.identityToken) entry.identitytoken = cred.identityToken;
    auths[key] = entry;
  }
  await writeConfigDoc(doc);
  return { file: doc.file, helper };
}

/**
 * Removes stored credentials for a host under every spelling docker's logout tries (the key, the
 * bare host, http:// and https://), from the helper and from config.json. False when none were stored.
 */
export async function eraseCredentials(host: string, opts: CredentialOptions = {}): Promise<boolean> {
  const key = authKey(host);
  const doc: ConfigDoc = await readConfigDoc(configFile(opts));
  const helper = helperFor(doc, key);
  let erased = false;
  if (helper) {
    const bare = convertToHostname(key);
    const names = key === bare ? [key, `http://${bare}`, `https://${bare}`] : [key];
    for (const name of names) if (await helperErase(helper, name, opts.env ?? process.env)) erased = true;
  }
  const auths = authsOf(doc);
  const keys = auths ? Object.keys(auths).filter((k) => sameRegistry(k, key)) : [];
  if (keys.length > 0) {
    for (const k of keys) delete auths![k];
    await writeConfigDoc(doc);
    erased = true;
  }
  return erased;
}
