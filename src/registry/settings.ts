// Registry settings, modelled on docker's daemon.json: `insecure-registries`, `registry-mirrors`
// (for docker.io) and a certs directory laid out like /etc/docker/certs.d/<host[:port]>/ca.crt.
//
// Sources, merged in this order: the JSON file $XDG_CONFIG_HOME/berth/registries.json (default
// ~/.config/berth/registries.json; BERTH_REGISTRY_CONFIG names another), then the environment:
// BERTH_INSECURE_REGISTRIES and BERTH_REGISTRY_MIRRORS (comma-separated), BERTH_CERTS_DIR; then
// what the caller passes (e.g. `--insecure-registry`). The file uses daemon.json's key names:
//   { "insecure-registries": ["reg.lan:5000"], "registry-mirrors": ["https://mirror.lan"], "certs-dir": "/path" }
// Certs are looked up in the configured dir, then ~/.config/berth/certs.d, then /etc/docker/certs.d.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';

export interface RegistrySettings {
  /** host[:port] entries (or CIDR-free IPs) reached over HTTPS without verification, or plain HTTP. */
  insecureRegistries: string[];
  /** Mirror base URLs tried before docker.io for pulls. */
  mirrors: string[];
  /** Directories holding <host[:port]>/ca.crt (and *.crt) files, searched in order. */
  certsDirs: string[];
}

function configHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function readConfigFile(file: string, required: boolean): Partial<Record<'insecure-registries' | 'registry-mirrors' | 'certs-dir', unknown>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new BerthError('INVALID_ARGUMENT', `cannot read the registry settings ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    return doc as Record<string, unknown>;
  } catch (e) {
    throw new BerthError('INVALID_ARGUMENT', `the registry settings ${file} are not a JSON object`, {
      cause: e, hint: 'write e.g. {"insecure-registries": ["host:5000"], "registry-mirrors": ["https://mirror"]}',
    });
  }
}

function stringList(value: unknown, key: string, file: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new BerthError('INVALID_ARGUMENT', `"${key}" in ${file} must be a list of strings`);
  }
  return value;
}

export function loadRegistrySettings(extra: Partial<RegistrySettings> = {}, env: NodeJS.ProcessEnv = process.env): RegistrySettings {
  const file = env.BERTH_REGISTRY_CONFIG || path.join(configHome(env), 'berth', 'registries.json');
  const doc = readConfigFile(file, Boolean(env.BERTH_REGISTRY_CONFIG));
  const certsDir = typeof doc['certs-dir'] === 'string' ? [doc['certs-dir']] : [];
  const mirrors = [...(extra.mirrors ?? []), ...list(env.BERTH_REGISTRY_MIRRORS), ...stringList(doc['registry-mirrors'], 'registry-mirrors', file)];
  for (const m of mirrors) {
    if (!/^https?:\/\/[^/]+\/?$/.test(m)) throw new BerthError('INVALID_ARGUMENT', `invalid registry mirror "${m}": give a URL like https://mirror.example.com`);
  }
  return {
    insecureRegistries: [...(extra.insecureRegistries ?? []), ...list(env.BERTH_INSECURE_REGISTRIES), ...stringList(doc['insecure-registries'], 'insecure-registries', file)],
    mirrors: mirrors.map((m) => m.replace(/\/$/, '')),
    certsDirs: [
      ...(extra.certsDirs ?? []), ...list(env.BERTH_CERTS_DIR), ...certsDir,
      path.join(configHome(env), 'berth', 'certs.d'), '/etc/docker/certs.d',
    ],
  };
}
