// Helpers for the examples' tests: one persistent store shared by them (so a rerun is fully cached),
// the debian:bookworm base in it, building an example, running it with a published port, waiting for
// it to answer, and removing it whatever happened.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, describeBuild, REPO, type Built, type Ran } from '../build/e2e-helpers.ts';

/**
 * Kept between runs: the examples' apt-get installs (nodejs, nginx, postgresql) take minutes cold
 * and a second or two cached. Every test still builds (from the cache) and runs for real.
 */
export const STORE = process.env.BERTH_EXAMPLES_STORE ?? '/var/cache/berth/test-examples-store';
const MIRROR = process.env.BERTH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/** Why the examples cannot be built and run here, or undefined when they can. */
export async function examplesUnavailable(): Promise<string | undefined> {
  const runc = runcUnavailable();
  if (runc) return runc;
  const url = `${MIRROR}/dists/bookworm/InRelease`;
  try {
    const r = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    return r.ok ? undefined : `Debian's mirror answered HTTP ${r.status} for ${url}`;
  } catch (e) {
    return `Debian's mirror is unreachable from this machine (${url}: ${(e as Error).message})`;
  }
}

/** Bootstraps (once per machine) and imports debian:bookworm into the store, unless it has it. */
export function ensureDebianBase(): void {
  mkdirSync(STORE, { recursive: true });
  const r = spawnSync('bash', ['scripts/debian-base.sh', STORE], { cwd: REPO, encoding: 'utf8', timeout: 15 * 60_000 });
  assert.equal(r.status, 0, `scripts/debian-base.sh failed:\n${r.stdout}\n${r.stderr}`);
}

/** The tag an example is built as. */
export const imageOf = (example: string): string => `berth-example/${example}`;

/** Builds examples/<example> as berth-example/<example> in the store; asserts it succeeded. */
export async function buildExample(example: string): Promise<Built> {
  const b = await build(STORE, ['-t', imageOf(example), path.join(REPO, 'examples', example)]);
  assert.equal(b.code, 0, `building examples/${example} failed: ${describeBuild(b)}`);
  assert.match(b.id ?? '', /^sha256:[0-9a-f]{64}$/, `no image ID in the output: ${describeBuild(b)}`);
  return b;
}

/** The stored image's config (docker inspect's .Config). */
export async function imageConfig(ref: string): Promise<Record<string, unknown>> {
  const r = await berth(STORE, ['inspect', '--format', '{{json .Config}}', ref]);
  assert.equal(r.code, 0, describeBuild(r));
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** CREATED BY of each history row, newest first, untruncated. */
export async function historyCreatedBy(ref: string): Promise<string[]> {
  const r = await berth(STORE, ['history', '--no-trunc', '--format', '{{.CreatedBy}}', ref]);
  assert.equal(r.code, 0, describeBuild(r));
  return r.stdout.trimEnd().split('\n');
}

/** A container name no other run (or concurrent test) uses. */
export const containerName = (example: string): string => `berth-test-${example}-${randomBytes(4).toString('hex')}`;

/** A TCP port free on the host right now (the kernel's pick). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The host's first non-loopback IPv4 address: what a container on the default network reaches the
 * host at (slirp4netns runs with --disable-host-loopback, so 10.0.2.2 does not lead to the host's
 * 127.0.0.1; docker's bridge likewise reaches the host through an address of its own).
 */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address for a container to reach it at');
}

export function assertRan(r: Ran, what: string): void {
  assert.equal(r.code, 0, `${what} failed: ${describeBuild(r)}`);
}

/** `berth run -d ...`: asserts it printed a full container ID (as docker does) and returns it. */
export async function runDetached(args: readonly string[]): Promise<string> {
  const r = await berth(STORE, ['run', '-d', ...args]);
  assertRan(r, `berth run -d ${args.join(' ')}`);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/, `berth run -d printed no container ID: ${describeBuild(r)}`);
  return id;
}

export async function logsOf(name: string): Promise<string> {
  const r = await berth(STORE, ['logs', name]);
  assertRan(r, `berth logs ${name}`);
  return r.stdout + r.stderr;
}

/**
 * Retries `attempt` until it returns a value (errors and undefined mean "not yet"), for at most
 * `limitMs`: a hang guard for a server's start-up, not a speed check. On giving up, the error
 * names the last failure and shows the container's logs.
 */
export async function untilReady<T>(what: string, container: string, attempt: () => Promise<T | undefined>, limitMs = 120_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last = 'no attempt';
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
      last = 'not ready';
    } catch (e) {
      last = `${(e as Error).message}${(e as { cause?: Error }).cause ? `: ${(e as { cause: Error }).cause.message}` : ''}`;
    }
    if (Date.now() > deadline) {
      const logs = await berth(STORE, ['logs', container]).then((r) => r.stdout + r.stderr, (e: Error) => e.message);
      throw new Error(`${what}: no answer after ${limitMs / 1000} s (last: ${last})\n--- berth logs ${container}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** GET `url` until it answers (any status), within the start-up guard. */
export async function getWhenUp(url: string, container: string): Promise<Response> {
  return untilReady(`GET ${url}`, container, () => fetch(url, { signal: AbortSignal.timeout(10_000) }));
}

/** `berth stop NAME`: asserts docker's output (the name). */
export async function stopContainer(name: string): Promise<void> {
  const stop = await berth(STORE, ['stop', name]);
  assertRan(stop, `berth stop ${name}`);
  assert.equal(stop.stdout.trim(), name);
}

/** `berth rm NAME`: asserts docker's output (the name) and that `berth ps -a` no longer lists it. */
export async function removeContainer(name: string): Promise<void> {
  const rm = await berth(STORE, ['rm', name]);
  assertRan(rm, `berth rm ${name}`);
  assert.equal(rm.stdout.trim(), name);
  const ps = await berth(STORE, ['ps', '-a']);
  assertRan(ps, 'berth ps -a');
  assert.ok(!ps.stdout.includes(name), `${name} is still listed after berth rm:\n${ps.stdout}`);
}

/** The row `berth ps -a` shows for a container (with its STATUS: "Up 3 seconds", "Exited (0) 1 second ago"). */
export async function psRow(name: string): Promise<string> {
  const r = await berth(STORE, ['ps', '-a']);
  assertRan(r, 'berth ps -a');
  const rows = r.stdout.split('\n').filter((l) => l.trimEnd().endsWith(` ${name}`));
  assert.equal(rows.length, 1, `berth ps -a does not list ${name} once:\n${r.stdout}`);
  return rows[0]!;
}

/** For after(): removes the container whatever state it is in (a no-op once stopAndRemove ran). */
export async function forceRemove(name: string): Promise<void> {
  await berth(STORE, ['rm', '-f', name]).catch(() => undefined);
}
