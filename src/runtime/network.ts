// Container networking: slirp4netns for the isolated-but-connected default, and the /etc files each network mode gets.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { HOST_GATEWAY, type HostEntry, type NetworkMode } from './spec.ts';

/** slirp4netns's built-in DNS forwarder, the gateway and the container's own address. */
export const SLIRP_DNS = '10.0.2.3';
export const SLIRP_GATEWAY = '10.0.2.2';
export const SLIRP_ADDRESS = '10.0.2.100';
const READY_TIMEOUT_MS = 15_000;

export async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The first executable `name` on PATH (and the sbin dirs, which a non-login root PATH may miss). */
export async function findExecutable(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const dirs = [...envPath.split(':').filter((d) => d !== ''), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of new Set(dirs)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function missingSlirp4netns(): BerthError {
  return new BerthError('MISSING_DEPENDENCY', 'slirp4netns is not installed; it gives a container its own network that can still reach out', {
    hint: 'install it (apt-get install slirp4netns), or run with --network host or --network none',
  });
}

/** A running slirp4netns serving one container's network namespace. */
export interface Slirp4netns {
  pid: number;
  /** Stops it (closing its exit fd, then SIGTERM, then SIGKILL) and waits until it is gone. */
  stop(): Promise<void>;
}

function collect(stream: Readable | null, limit = 16 * 1024): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    if (text.length < limit) text += chunk.slice(0, limit - text.length);
  });
  return () => text.trim();
}

/**
 * Starts slirp4netns for the network namespace of `pid` (a container's init, namespaces made but
 * not yet running the step) and resolves once tap0 is configured: 10.0.2.100/24, gateway 10.0.2.2,
 * DNS 10.0.2.3. The host's loopback is not reachable from the container (--disable-host-loopback);
 * slirp4netns runs sandboxed and under its own seccomp filter. It also exits on its own when
 * berth dies, because its --exit-fd is a pipe only berth holds.
 */
export async function startSlirp4netns(binary: string, pid: number, opts: { apiSocket?: string } = {}): Promise<Slirp4netns> {
  const api = opts.apiSocket !== undefined ? [`--api-socket=${opts.apiSocket}`] : [];
  const args = ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', ...api, '--ready-fd=3', '--exit-fd=4', String(pid), 'tap0'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
  const output = collect(child.stdout);
  const errors = collect(child.stderr);
  // 'error' without 'close' happens when the binary cannot be started at all.
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  const ready = child.stdio[3] as Readable;
  const exitFd = child.stdio[4] as Readable;

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    exitFd.destroy();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string): void => {
        const detail = [errors(), output()].filter((t) => t !== '').join('\n');
        reject(new BerthError('RUNTIME', `slirp4netns ${why}${detail ? `: ${detail}` : ''}`));
      };
      const timer = setTimeout(() => fail(`was not ready after ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
      ready.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new BerthError('RUNTIME', `cannot start slirp4netns: ${e.message}`, { cause: e }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(`exited before the network was ready (${signal ?? `exit code ${code}`})`);
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  ready.destroy();
  return { pid: child.pid!, stop };
}

/** A published port: the host's `hostIp:hostPort` forwarded to the container's `containerPort`. */
export interface PortForward {
  protocol: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/**
 * Asks a running slirp4netns (started with an API socket) to forward a host port into the
 * container: its `add_hostfwd` command, one JSON request per connection, answered with
 * `{"return": …}` or `{"error": {"desc": …}}`.
 */
export async function addHostForward(apiSocket: string, fwd: PortForward): Promise<void> {
  const request = {
    execute: 'add_hostfwd',
    arguments: { proto: fwd.protocol, host_addr: fwd.hostIp, host_port: fwd.hostPort, guest_addr: SLIRP_ADDRESS, guest_port: fwd.containerPort },
  };
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(apiSocket);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (e) => reject(new BerthError('RUNTIME', `cannot reach slirp4netns's API socket: ${e.message}`, { cause: e })));
    socket.on('close', () => resolve(text));
    socket.end(JSON.stringify(request));
  });
  let parsed: { error?: { desc?: string } } | undefined;
  try {
    parsed = JSON.parse(answer) as { error?: { desc?: string } };
  } catch {
    throw new BerthError('RUNTIME', `slirp4netns gave an unreadable answer to add_hostfwd: ${answer.slice(0, 200)}`);
  }
  if (parsed.error) {
    const where = `${fwd.hostIp}:${fwd.hostPort}`;
    throw new BerthError('RUNTIME', `cannot publish ${where}->${fwd.containerPort}/${fwd.protocol}: ${parsed.error.desc ?? 'slirp4netns refused it'}`, {
      hint: 'the host port may already be in use; choose another one',
    });
  }
}

/** /etc/resolv.conf for a container: slirp's DNS when isolated, otherwise the host's own file (search and options kept). */
export function resolvConfFor(mode: NetworkMode, hostResolvConf: string): string {
  if (mode !== 'isolated') return hostResolvConf.endsWith('\n') || hostResolvConf === '' ? hostResolvConf : `${hostResolvConf}\n`;
  const kept = hostResolvConf.split('\n').filter((l) => /^\s*(search|domain|options)\s/.test(l));
  return [`nameserver ${SLIRP_DNS}`, ...kept].join('\n') + '\n';
}

/**
 * The address `--add-host NAME:host-gateway` gives: where a container reaches the host's services.
 * On the host's network that is loopback. Through slirp4netns it is the host's first external IPv4
 * address (as podman's host.containers.internal): the gateway 10.0.2.2 would be the host's loopback,
 * which --disable-host-loopback keeps out of reach. slirp4netns's gateway when the host has none.
 */
export function hostGatewayIp(mode: NetworkMode): string {
  if (mode === 'host') return '127.0.0.1';
  const external = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
  return external?.address ?? SLIRP_GATEWAY;
}

/**
 * /etc/hosts for a container: localhost, the IPv6 names docker writes, the container's hostname,
 * and the `--add-host` entries: before the hostname line as docker run writes them, or after
 * everything as BuildKit writes a RUN step's (`extraHostsLast`). `host-gateway` is hostGatewayIp's.
 */
export function hostsFor(mode: NetworkMode, hostname: string, extraHosts: readonly HostEntry[] = [], extraHostsLast = false): string {
  const own = mode === 'isolated' ? `${SLIRP_ADDRESS}\t${hostname}` : `127.0.1.1\t${hostname}`;
  const gateway = extraHosts.some((h) => h.ip === HOST_GATEWAY) ? hostGatewayIp(mode) : '';
  const extra = extraHosts.map((h) => `${h.ip === HOST_GATEWAY ? gateway : h.ip}\t${h.host}`);
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...(extraHostsLast ? [own, ...extra] : [...extra, own]),
    '',
  ].join('\n');
}
