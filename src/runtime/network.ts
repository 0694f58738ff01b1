// Container networking: slirp4netns for the isolated-but-connected default, and the /etc files each network mode gets.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import type { NetworkMode } from './spec.ts';

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
export async function startSlirp4netns(binary: string, pid: number): Promise<Slirp4netns> {
  const args = ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--ready-fd=3', '--exit-fd=4', String(pid), 'tap0'];
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

/** /etc/resolv.conf for a container: slirp's DNS when isolated, otherwise the host's own file (search and options kept). */
export function resolvConfFor(mode: NetworkMode, hostResolvConf: string): string {
  if (mode !== 'isolated') return hostResolvConf.endsWith('\n') || hostResolvConf === '' ? hostResolvConf : `${hostResolvConf}\n`;
  const kept = hostResolvConf.split('\n').filter((l) => /^\s*(search|domain|options)\s/.test(l));
  return [`nameserver ${SLIRP_DNS}`, ...kept].join('\n') + '\n';
}

/** /etc/hosts for a container: localhost, the IPv6 names docker writes, and the container's hostname. */
export function hostsFor(mode: NetworkMode, hostname: string): string {
  const own = mode === 'isolated' ? `${SLIRP_ADDRESS}\t${hostname}` : `127.0.1.1\t${hostname}`;
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    own,
    '',
  ].join('\n');
}
