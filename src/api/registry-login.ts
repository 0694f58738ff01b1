// `berth login` / `berth logout`: credentials checked against the registry (GET /v2/ through its
// auth flow) before they are stored where docker keeps them (credential helper or config.json);
// logout erases them under every spelling docker uses. Docker Hub is the default server.
import { DEFAULT_REGISTRY } from '../oci/index.ts';
import { checkLogin } from '../registry/index.ts';
import { authKey, eraseCredentials, findCredentials, storeCredentials, type CredentialOptions } from '../registry/credentials.ts';
import { convertToHostname } from '../registry/auth-config-file.ts';
import { BerthError } from '../util/errors.ts';
import { settingsFrom, type RegistryCallOptions } from './registry-common.ts';

export interface LoginOptions extends Omit<RegistryCallOptions, 'credentials' | 'onEvent'> {
  username?: string | undefined;
  password?: string | undefined;
  /** Where config.json lives (default $DOCKER_CONFIG or ~/.docker), and the environment for helpers. */
  credentialOptions?: CredentialOptions;
}

export interface LoginResult {
  /** The key the credentials are stored under, e.g. https://index.docker.io/v1/ or localhost:5000. */
  server: string;
  /** True when stored credentials were reused (no -u/-p given). */
  reused: boolean;
}

/** The registry host a login SERVER argument names: docker.io for Docker Hub's spellings. */
export function loginHost(server: string | undefined): string {
  if (server === undefined || server === '') return DEFAULT_REGISTRY;
  const key = authKey(server);
  return key === authKey(DEFAULT_REGISTRY) ? DEFAULT_REGISTRY : convertToHostname(server);
}

export async function login(server: string | undefined, opts: LoginOptions = {}): Promise<LoginResult> {
  const host = loginHost(server);
  const key = authKey(host);
  let username = opts.username;
  let password = opts.password;
  let reused = false;
  if (username === undefined && password === undefined) {
    const found = await findCredentials(host, opts.credentialOptions);
    if (!found) {
      throw new BerthError('INVALID_ARGUMENT', 'Cannot perform an interactive login from a non TTY device', {
        hint: 'give -u USER and --password-stdin (or -p PASSWORD)',
      });
    }
    reused = true;
    const c = found.credentials;
    if ('username' in c) { username = c.username; password = c.password; }
  }
  if (!reused && (username === undefined || username === '')) throw new BerthError('INVALID_ARGUMENT', 'Username is required', { hint: 'give -u USER' });
  if (!reused && (password === undefined || password === '')) throw new BerthError('INVALID_ARGUMENT', 'Password is required', { hint: 'give --password-stdin or -p PASSWORD' });
  const creds = reused && username === undefined ? (await findCredentials(host, opts.credentialOptions))!.credentials : { username: username!, password: password! };
  await checkLogin(host, { settings: settingsFrom(opts), credentials: () => Promise.resolve(creds), signal: opts.signal, idleTimeoutMs: opts.idleTimeoutMs });
  if (!reused) await storeCredentials(host, { username: username!, password: password! }, opts.credentialOptions);
  return { server: key, reused };
}

/** True when credentials for the server are stored (then `login` without a user reuses them). */
export async function hasStoredLogin(server: string | undefined, opts: { credentialOptions?: CredentialOptions } = {}): Promise<boolean> {
  return (await findCredentials(loginHost(server), opts.credentialOptions)) !== undefined;
}

/** Forgets a registry's credentials; `removed` is false when none were stored ("Not logged in to …"). */
export async function logout(server: string | undefined, opts: { credentialOptions?: CredentialOptions } = {}): Promise<{ server: string; removed: boolean }> {
  const host = loginHost(server);
  const removed = await eraseCredentials(host, opts.credentialOptions);
  return { server: authKey(host), removed };
}
