// Helpers for the examples' tests: one persistent store shared by them (so a rerun is fully cached),
// the debian:bookworm base in it, building an example, running it with a published port, waiting for
// it to answer, and removing it whatever happened.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth as berthFromSource, describeBuild, parsePlain, REPO, type Built, type Ran } from '../build/e2e-helpers.ts';

/**
 * Kept between runs: the examples' apt-get installs (nodejs, nginx, postgresql) take minutes cold
 * and a second or two cached. Every test still builds (from the cache) and runs for real.
 */
export const STORE = process.env.BERTH_EXAMPLES_STORE ?? '/var/cache/berth/test-examples-store';
const MIRROR = process.env.BERTH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/** The newest modification time of a file under `dir`. */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * A private copy of the bundled CLI (what bin/berth runs), when dist/ was built after the last change
 * under src/ (`npm test` builds it first). It starts in a fraction of the CPU time tsx needs to compile
 * the sources, and these tests start berth some forty times. A copy, because `npm run build` (anyone's,
 * in this checkout) clears dist/chunks before writing the new ones, and a berth started from dist/
 * meanwhile can miss a chunk. It lives in the checkout's .tmp/ so its packages resolve from
 * node_modules, named by its content (reused by later runs; a container supervisor started from it
 * keeps finding it). Undefined (the sources through tsx) when dist/ is stale or mid-build.
 */
const CLI_COPY = ((): string | undefined => {
  const dist = path.join(REPO, 'dist');
  try {
    if (statSync(path.join(dist, 'berth.js')).mtimeMs <= newestUnder(path.join(REPO, 'src'))) return undefined;
    // package.json: it makes the copy's .js files CommonJS, as in dist/.
    const files = new Map<string, Buffer>([['berth.js', readFileSync(path.join(dist, 'berth.js'))], ['package.json', readFileSync(path.join(dist, 'package.json'))]]);
    for (const n of readdirSync(path.join(dist, 'chunks'))) if (n.endsWith('.js')) files.set(`chunks/${n}`, readFileSync(path.join(dist, 'chunks', n)));
    // Complete: every chunk a file imports is there (not a set caught halfway through a build).
    for (const text of files.values()) {
      for (const m of text.toString('utf8').matchAll(/"\.\/(?:chunks\/)?([\w-]+\.js)"/g)) if (!files.has(`chunks/${m[1]}`)) return undefined;
    }
    const hash = createHash('sha256');
    for (const [name, bytes] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(name).update(bytes);
    const dir = path.join(REPO, '.tmp', 'examples-cli', hash.digest('hex').slice(0, 16));
    if (!existsSync(dir)) {
      const partial = `${dir}.${process.pid}`;
      mkdirSync(path.join(partial, 'chunks'), { recursive: true });
      for (const [name, bytes] of files) writeFileSync(path.join(partial, name), bytes);
      try {
        renameSync(partial, dir);
      } catch {
        rmSync(partial, { recursive: true, force: true }); // another test process made it first
      }
    }
    return path.join(dir, 'berth.js');
  } catch {
    return undefined;
  }
})();

/** The command line that starts berth here: node and the bundle's copy, or node, tsx and the sources. */
export function berthCommand(): string[] {
  return CLI_COPY !== undefined ? [process.execPath, CLI_COPY] : [process.execPath, '--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts')];
}

/** `berth --root <root> ...args` as a user runs it; resolves when it exits. */
export function berth(root: string, args: readonly string[]): Promise<Ran> {
  if (CLI_COPY === undefined) return berthFromSource(root, args);
  const started = Date.now();
  const child = spawn(process.execPath, [CLI_COPY, '--root', root, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

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

/**
 * Bootstraps (once per machine) and imports debian:bookworm into the store, unless it has it. Under
 * a lock: two test files importing at once would make two base images (their created times differ)
 * and the examples built on the one that loses the tag would miss the cache on the next run.
 */
export function ensureDebianBase(): void {
  mkdirSync(STORE, { recursive: true });
  const r = spawnSync('flock', [`${STORE}.base.lock`, 'bash', 'scripts/debian-base.sh', STORE], { cwd: REPO, encoding: 'utf8', timeout: 15 * 60_000 });
  assert.equal(r.status, 0, `scripts/debian-base.sh failed:\n${r.stdout}\n${r.stderr}`);
}

/** The tag an example is built as. */
export const imageOf = (example: string): string => `berth-example/${example}`;

/** Builds examples/<example> as berth-example/<example> in the store; asserts it succeeded. */
export async function buildExample(example: string): Promise<Built> {
  const ran = await berth(STORE, ['build', '--progress', 'plain', '-t', imageOf(example), path.join(REPO, 'examples', example)]);
  const b: Built = { ...ran, steps: parsePlain(ran.stderr), id: /^#\d+ writing image (sha256:[0-9a-f]{64})$/m.exec(ran.stderr)?.[1] };
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

/**
 * Removes containers an earlier run of this example's test left in the shared store (it was killed
 * before its after() ran, so they may still be running and holding ports).
 */
export async function removeLeftovers(example: string): Promise<void> {
  const r = await berth(STORE, ['ps', '-a', '--format', '{{.Names}}']);
  assertRan(r, 'berth ps -a');
  for (const name of r.stdout.split('\n')) if (name.startsWith(`berth-test-${example}-`)) await forceRemove(name);
}

/** For after(): removes the container whatever state it is in (a no-op once stopAndRemove ran). */
export async function forceRemove(name: string): Promise<void> {
  await berth(STORE, ['rm', '-f', name]).catch(() => undefined);
}
