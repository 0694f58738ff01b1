// Credentials for registry calls: the `auths` entries of docker's config.json ($DOCKER_CONFIG or
// ~/.docker), keyed by host (docker.io under "https://index.docker.io/v1/"). The full lookup
// (credsStore, credHelpers, podman's auth.json) belongs to src/registry/credentials.ts.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CredentialLookup, Credentials } from '../registry/index.ts';

export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export function configKey(registry: string): string {
  return registry === 'docker.io' ? DOCKER_HUB_AUTH_KEY : registry;
}

function configFile(env: NodeJS.ProcessEnv): string {
  return path.join(env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker'), 'config.json');
}

export function defaultCredentials(env: NodeJS.ProcessEnv = process.env): CredentialLookup {
  return async (registry) => {
    let doc: { auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }> };
    try { doc = JSON.parse(await readFile(configFile(env), 'utf8')) as typeof doc; } catch { return undefined; }
    const key = configKey(registry);
    const entry = doc.auths?.[key] ?? doc.auths?.[`https://${key}`] ?? doc.auths?.[`http://${key}`];
    if (!entry) return undefined;
    if (entry.identitytoken) return { identityToken: entry.identitytoken };
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    if (!entry.auth) return undefined;
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return colon < 0 ? undefined : ({ username: text.slice(0, colon), password: text.slice(colon + 1) } satisfies Credentials);
  };
}
