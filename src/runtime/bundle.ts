// The OCI bundle of one run: a private directory under the state root holding config.json and the /etc files bound into the container.

import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import { hostsFor, resolvConfFor } from './network.ts';
import type { RuntimeSpec } from './runtime-spec.ts';
import type { ContainerSpec, EtcFiles, NetworkMode } from './spec.ts';
import { makeDirs } from '../util/make-dirs.ts';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A fresh container id: `berth-` and 24 random hex digits. */
export function newContainerId(): string {
  return `berth-${randomBytes(12).toString('hex')}`;
}

export function checkContainerId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new BerthError('INVALID_ARGUMENT', `invalid container id '${id}' (letters, digits, '_', '.', '-'; at most 128)`);
  return id;
}

/** Creates `<bundles>/<id>` (mode 0700; bundles defaults to `<stateRoot>/bundles`); an existing one means the id is taken. */
export async function createBundleDir(stateRoot: string, id: string, bundles = path.join(stateRoot, 'bundles')): Promise<string> {
  await makeDirs(bundles, 0o700);
  const dir = path.join(bundles, checkContainerId(id));
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BerthError('INVALID_ARGUMENT', `container id ${id} is already in use`);
    throw e;
  }
  return dir;
}

/**
 * Fills in the /etc files the caller did not provide, written into the bundle: a resolv.conf for
 * the network mode, an /etc/hosts naming the container, and its /etc/hostname. They are bound
 * read-only, so a step can read them but never writes them into its layer.
 */
export async function writeEtcFiles(bundle: string, spec: ContainerSpec, network: NetworkMode, hostResolvConf = '/etc/resolv.conf'): Promise<EtcFiles> {
  const given = spec.etcFiles ?? {};
  const files: EtcFiles = { ...given };
  const write = async (name: string, text: string): Promise<string> => {
    const file = path.join(bundle, name);
    await writeFile(file, text, { mode: 0o644 });
    return file;
  };
  if (files.resolvConf === undefined) {
    const host = await readFile(hostResolvConf, 'utf8').catch(() => '');
    files.resolvConf = await write('resolv.conf', resolvConfFor(network, host));
  }
  files.hosts ??= await write('hosts', hostsFor(network, spec.hostname, spec.extraHosts, spec.extraHostsLast));
  files.hostname ??= await write('hostname', `${spec.hostname}\n`);
  return files;
}

export async function writeConfig(bundle: string, config: RuntimeSpec): Promise<void> {
  await writeFile(path.join(bundle, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/** The host's per-CPU thermal_throttle directories, which newer docker masks too. */
export async function thermalThrottlePaths(base = '/sys/devices/system/cpu'): Promise<string[]> {
  const names = await readdir(base).catch(() => [] as string[]);
  const out: string[] = [];
  for (const name of names.filter((n) => /^cpu\d+$/.test(n))) {
    const p = `${base}/${name}/thermal_throttle`;
    if (await access(p).then(() => true, () => false)) out.push(p);
  }
  return out;
}

const CAP_SYS_RESOURCE = 24n;

/**
 * The highest RLIMIT_NOFILE a container can get from this process: anything up to fs.nr_open
 * with CAP_SYS_RESOURCE, otherwise no more than berth's own hard limit (runc would fail to set it).
 */
export async function nofileCeiling(): Promise<number | undefined> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
  if (capEff !== undefined && (BigInt(`0x${capEff}`) >> CAP_SYS_RESOURCE) & 1n) return undefined;
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const hard = /^Max open files\s+\S+\s+(\d+)/m.exec(limits)?.[1];
  return hard === undefined ? undefined : Number(hard);
}

/** This process's capability bounding set (CapBnd), if /proc says. */
export async function capabilityBound(): Promise<bigint | undefined> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const hex = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
}
