// Helpers for the container tests: the bundled CLI (as users run it) against a temp store, a busybox image with a few configs, leftover checks.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs } from '../runtime/helpers.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A private bundle of the CLI for this test process: containers' supervisors re-execute the berth
 * that started them, so the one in dist/ (rebuilt by anyone at any time) would pull chunks out from
 * under a running supervisor. It sits inside the checkout so that the native addons resolve.
 */
const BUNDLE_DIR = path.join(REPO, 'node_modules', '.cache', 'berth-container-tests', String(process.pid));
const BIN = path.join(BUNDLE_DIR, 'berth.js');
function bundle(): void {
  if (existsSync(BIN)) return;
  const r = spawnSync(process.execPath, ['-e', `
    import('esbuild').then(({ build }) => build({
      entryPoints: ['src/cli/main.ts'], outfile: ${JSON.stringify(BIN)}, bundle: true, platform: 'node', target: 'node20', format: 'esm',
      external: ['@napi-rs/xattr', 'fs-native-extensions', 'zstd-napi'], define: { BERTH_VERSION: '"0.0.0-test"' }, logLevel: 'error',
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    }))`], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bundling the CLI failed: ${r.stderr}`);
  process.on('exit', () => rmSync(BUNDLE_DIR, { recursive: true, force: true }));
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Polls `check` until it holds; a hang guard of a minute, not a timing assertion. */
export async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    await delay(100);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The private bundle's path (made on first use), for running the CLI some other way (e.g. under script(1)). */
export function berthBin(): string {
  bundle();
  return BIN;
}

/** Runs `berth --root ROOT ...args` (the CLI as bin/berth runs it, from a private bundle) to its end. */
export function berth(root: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Ran {
  bundle();
  const r = spawnSync(process.execPath, [BIN, '--root', root, ...args], {
    cwd: REPO, encoding: 'utf8', input: opts.input ?? '', env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 180_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, asynchronously (for a foreground run that another call signals meanwhile). */
export function berthAsync(root: string, args: readonly string[]): { pid: number; done: Promise<Ran> } {
  bundle();
  const child = spawn(process.execPath, [BIN, '--root', root, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<Ran>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { pid: child.pid!, done };
}

export function describe(r: Ran): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** Images made from one busybox rootfs (all applets, users alice/bob/nobody), differing only in config. */
export const IMAGES: Record<string, string[]> = {
  'ctest/plain': [],
  'ctest/cmd': ['CMD ["echo", "from", "cmd"]'],
  'ctest/ep': ['ENTRYPOINT ["echo", "ep"]', 'CMD ["default", "args"]'],
  'ctest/ep-shell': ['ENTRYPOINT echo shell-form $0 "$@"', 'CMD ["ignored"]'],
  'ctest/cfg': ['ENV FOO=bar GREETING="hello world"', 'WORKDIR /srv/app', 'USER alice', 'CMD ["sh", "-c", "echo $FOO; pwd; id"]'],
  'ctest/stopsig': ['STOPSIGNAL SIGUSR1', 'CMD ["sh"]'],
  'ctest/web': ['EXPOSE 80/tcp', 'CMD ["httpd", "-f", "-v", "-p", "80", "-h", "/www"]'],
};

/** Writes the busybox rootfs tarball (with /www/index.html) to `work` and imports every image of IMAGES into the store. */
export async function importImages(root: string, work: string): Promise<string> {
  const dir = path.join(work, 'busybox-rootfs');
  await makeBusyboxRootfs(dir);
  for (const d of ['tmp', 'www', 'srv']) await mkdir(path.join(dir, d));
  await chmod(path.join(dir, 'tmp'), 0o1777);
  execFileSync('sh', ['-c', `echo '<h1>served by berth</h1>' > ${path.join(dir, 'www', 'index.html')}`]);
  const tarFile = path.join(work, 'busybox.tar');
  execFileSync('tar', ['--numeric-owner', '--sort=name', '-C', dir, '-cf', tarFile, '.']);
  for (const [ref, changes] of Object.entries(IMAGES)) {
    const r = berth(root, ['import', ...changes.flatMap((c) => ['-c', c]), tarFile, ref]);
    if (r.code !== 0) throw new Error(`berth import ${ref} failed: ${describe(r)}`);
  }
  return tarFile;
}

/** The record berth keeps for a container (docker inspect's shape). */
export function record(root: string, id: string): { Id: string; Name: string; State: { Status: string; Pid: number; ExitCode: number; Running: boolean } } {
  return JSON.parse(readFileSync(path.join(root, 'containers', id, 'config.json'), 'utf8'));
}

/** The processes in network namespace `netns` (e.g. a container's, before it is removed). */
export function processesIn(netns: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readlinkSync(`/proc/${p}/ns/net`) === netns;
    } catch {
      return false;
    }
  }).map(Number);
}

/**
 * What of container `id` is left on the host: mounts below its directory, processes naming it, runc
 * state, and any of `netns.pids` still in its network namespace (pids, not the namespace's inode
 * number alone: the kernel reuses those for the next namespace, e.g. a concurrent test's container).
 */
export function leftovers(root: string, id: string, netns?: { inode: string; pids: number[] }): string[] {
  const out: string[] = [];
  const dir = path.join(root, 'containers', id);
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4];
    if (point !== undefined && (point.startsWith(dir) || point.startsWith(path.join(root, 'bundles', id.slice(0, 12))))) out.push(`mount ${point}`);
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(id) || cmdline.includes(`${id.slice(0, 12)} `)) out.push(`process ${pid}: ${cmdline}`);
      if (netns?.pids.includes(Number(pid)) && readlinkSync(`/proc/${pid}/ns/net`) === netns.inode) out.push(`process ${pid} in the container's network namespace: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  if (existsSync(path.join(root, 'runc', id.slice(0, 12)))) out.push('runc state');
  if (existsSync(dir)) out.push(`directory ${dir}`);
  return out;
}
