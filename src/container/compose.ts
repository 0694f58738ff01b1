// What a container runs, composed as docker does from the image config and `run`'s flags: command, environment, user, workdir, ports, binds.
import path from 'node:path';
import type { ContainerConfig } from '../oci/index.ts';
import { BerthError } from '../util/errors.ts';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface CommandChoice {
  /** `--entrypoint`: undefined keeps the image's; '' clears it. Either way a given one also drops the image's CMD. */
  entrypoint?: string;
  /** The arguments after IMAGE. */
  cmd: readonly string[];
}

/** docker's composition: ENTRYPOINT + CMD, where run's arguments replace CMD and --entrypoint replaces ENTRYPOINT and resets CMD. */
export function composeCommand(image: ContainerConfig, choice: CommandChoice): { entrypoint: string[]; cmd: string[]; args: string[] } {
  const entrypoint = choice.entrypoint === undefined ? [...(image.Entrypoint ?? [])] : choice.entrypoint === '' ? [] : [choice.entrypoint];
  const cmd = choice.cmd.length > 0 ? [...choice.cmd] : choice.entrypoint !== undefined ? [] : [...(image.Cmd ?? [])];
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) {
    throw new BerthError('INVALID_ARGUMENT', 'No command specified', { hint: 'give a command after the image, or an --entrypoint' });
  }
  return { entrypoint, cmd, args };
}

const envKey = (entry: string): string => entry.slice(0, entry.includes('=') ? entry.indexOf('=') : entry.length);

/** Replaces entries whose name is in `updates` in place and appends the others (docker's ReplaceOrAppendEnvValues). */
export function replaceOrAppendEnv(base: readonly string[], updates: readonly string[]): string[] {
  const out = [...base];
  for (const u of updates) {
    const i = out.findIndex((e) => envKey(e) === envKey(u));
    if (i >= 0) out[i] = u;
    else out.push(u);
  }
  return out;
}

/** The process environment: PATH and HOSTNAME first (TERM with a tty), then the image's Env overridden by -e. */
export function composeEnv(image: ContainerConfig, given: readonly string[], hostname: string, tty: boolean): { config: string[]; process: string[] } {
  const config = replaceOrAppendEnv(image.Env ?? [], given);
  const base = [DEFAULT_PATH, `HOSTNAME=${hostname}`, ...(tty ? ['TERM=xterm'] : [])];
  return { config, process: replaceOrAppendEnv(base, config) };
}

/**
 * `-e`/`--env-file` entries to NAME=value: a bare NAME takes the host's value and is dropped when the
 * host has none, as the docker CLI does.
 */
export function resolveEnvEntries(entries: readonly string[], hostEnv: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.startsWith('=')) throw new BerthError('INVALID_ARGUMENT', `invalid environment variable: ${e}`);
    if (e.includes('=')) out.push(e);
    else if (hostEnv[e] !== undefined) out.push(`${e}=${hostEnv[e]}`);
  }
  return out;
}

/** An --env-file's text: one NAME[=value] a line; blank lines and `#` comments skipped; values taken as written. */
export function parseEnvFile(text: string, file: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const name = envKey(line);
    if (name === '' || /\s/.test(name)) throw new BerthError('INVALID_ARGUMENT', `${file} line ${i + 1}: variable '${name}' contains whitespaces`);
    out.push(line);
  });
  return out;
}

export function composeWorkdir(image: ContainerConfig, given: string | undefined): string {
  const dir = given ?? (image.WorkingDir || '/');
  if (!dir.startsWith('/')) {
    throw new BerthError('INVALID_ARGUMENT', `the working directory '${dir}' is invalid, it needs to be an absolute path`);
  }
  return path.posix.normalize(dir);
}

export interface PortSpec {
  protocol: 'tcp' | 'udp';
  hostIp: string;
  /** 0: a free port chosen when the container starts. */
  hostPort: number;
  containerPort: number;
}

function port(text: string, what: string, original: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new BerthError('INVALID_ARGUMENT', `invalid ${what} "${text}" in "${original}"`, { hint: 'ports are numbers from 1 to 65535' });
  return n;
}

/** `-p [IP:][HOST:]CONTAINER[/tcp|udp]`. Ranges are refused by name. */
export function parsePublish(spec: string): PortSpec {
  const slash = spec.lastIndexOf('/');
  const proto = slash >= 0 ? spec.slice(slash + 1) : 'tcp';
  if (proto !== 'tcp' && proto !== 'udp') throw new BerthError('INVALID_ARGUMENT', `invalid proto: ${proto}`, { hint: 'use tcp or udp' });
  const body = slash >= 0 ? spec.slice(0, slash) : spec;
  if (body.includes('-')) throw new BerthError('NOT_IMPLEMENTED', `port ranges are not supported yet: -p ${spec}`, { hint: 'publish each port with its own -p' });
  const parts = body.split(':');
  let hostIp = '0.0.0.0';
  let host = '';
  let container: string;
  if (parts.length === 1) container = parts[0]!;
  else if (parts.length === 2) [host, container] = parts as [string, string];
  else if (parts.length === 3) [hostIp, host, container] = parts as [string, string, string];
  else throw new BerthError('INVALID_ARGUMENT', `invalid port specification: "${spec}"`, { hint: 'use [IP:][HOST:]CONTAINER[/PROTO]' });
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) throw new BerthError('INVALID_ARGUMENT', `invalid IP address: ${hostIp}`, { hint: 'berth publishes on IPv4 addresses' });
  return { protocol: proto, hostIp, hostPort: host === '' ? 0 : port(host, 'host port', spec), containerPort: port(container, 'container port', spec) };
}

/** `-P`: each port the image EXPOSEs ("80/tcp") published on a free host port. */
export function exposedPorts(image: ContainerConfig): PortSpec[] {
  return Object.keys(image.ExposedPorts ?? {}).map((key) => {
    const [num, proto = 'tcp'] = key.split('/');
    return { protocol: proto === 'udp' ? 'udp' : 'tcp', hostIp: '0.0.0.0', hostPort: 0, containerPort: Number(num) };
  });
}

export interface BindSpec {
  source: string;
  destination: string;
  readonly: boolean;
}

/** `-v SRC:DST[:ro|rw]` with an absolute host SRC (named volumes are refused by name). */
export function parseVolume(spec: string, cwd = process.cwd()): BindSpec {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) {
    if (parts.length === 1) throw new BerthError('NOT_IMPLEMENTED', `anonymous volumes are not supported yet: -v ${spec}`, { hint: 'bind a host directory: -v /host/dir:/container/dir' });
    throw new BerthError('INVALID_ARGUMENT', `invalid volume specification: '${spec}'`);
  }
  const [source, destination, mode = 'rw'] = parts as [string, string, string?];
  if (mode !== 'ro' && mode !== 'rw') throw new BerthError('INVALID_ARGUMENT', `invalid mode: ${mode}`, { hint: 'use ro or rw' });
  if (!source.startsWith('/') && !source.startsWith('.')) {
    throw new BerthError('NOT_IMPLEMENTED', `named volumes are not supported yet: -v ${spec}`, { hint: 'bind a host directory by its absolute path' });
  }
  if (!destination.startsWith('/')) throw new BerthError('INVALID_ARGUMENT', `invalid volume specification: '${spec}': mount path must be absolute`);
  return { source: path.resolve(cwd, source), destination: path.posix.normalize(destination), readonly: mode === 'ro' };
}

/** docker's PORTS column entry: "0.0.0.0:8080->80/tcp". */
export function formatPort(p: { hostIp: string; hostPort: number; containerPort: number; protocol: string }): string {
  return `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}
