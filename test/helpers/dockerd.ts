// A private docker engine for interop tests: its own socket, data and exec roots, containerd
// namespaces and CLI config under one short temp dir, stopped and cleaned up afterwards; suites skip
// (naming why) where no engine can run. Also a busybox rootfs image made locally (no registry here).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where the busybox-static binary lives on Debian (package busybox-static). */
export const BUSYBOX = '/bin/busybox';

const SBIN_PATH = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function searchPath(): string[] {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  return [...dirs, ...SBIN_PATH.filter((d) => !dirs.includes(d))];
}

/** The absolute path of an executable on PATH (or in the sbin dirs), or undefined. */
export function which(name: string): string | undefined {
  for (const dir of searchPath()) {
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why no private engine can be started on this machine (checked without starting one), or undefined. */
export function dockerdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `dockerd needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'dockerd needs root (these tests run a private engine with its own data root)';
  if (!which('dockerd')) return 'dockerd is not installed (Debian package docker.io; scripts/setup.sh installs it)';
  if (!which('docker')) return 'the docker CLI is not installed (Debian package docker.io)';
  return undefined;
}

export interface DockerResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface DockerRunOptions {
  /** Extra environment for the CLI (e.g. DOCKER_BUILDKIT=0). */
  env?: Record<string, string>;
  /** Milliseconds before the CLI is killed (default 120 s). */
  timeoutMs?: number;
}

/** The tail of a log file, for error messages. */
function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return !alive(pid);
}

/** Processes whose command line mentions `dir` (our dockerd's containerd and its shims) and their descendants (containers). */
function processesUnder(dir: string): number[] {
  let pids: number[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => p !== process.pid);
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  const found = new Set<number>();
  for (const pid of pids) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(dir + '/')) found.add(pid);
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone already
    }
  }
  // Descendants first, so a shim is not killed before the container process it would reap.
  const order: number[] = [];
  const visit = (pid: number): void => {
    for (const c of children.get(pid) ?? []) if (!found.has(c)) { found.add(c); visit(c); }
    order.push(pid);
  };
  for (const pid of [...found]) visit(pid);
  return [...new Set(order)];
}

/** Mount points at or under `dir`, deepest first. */
function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = text.split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(dir + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** A running private dockerd and a docker CLI bound to it. */
export class DockerEngine {
  /** The temp dir holding everything of this engine. */
  readonly dir: string;
  /** unix:// address of its API socket. */
  readonly host: string;
  readonly logFile: string;
  private readonly configDir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly onExit = (): void => {
    // The test process is going away without the after hook: do not leave the engine behind.
    const pids = [...(this.child?.pid !== undefined && this.child.exitCode === null ? [this.child.pid] : []), ...processesUnder(this.dir)];
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  };

  private constructor(dir: string) {
    this.dir = dir;
    this.host = `unix://${path.join(dir, 'docker.sock')}`;
    this.logFile = path.join(dir, 'dockerd.log');
    this.configDir = path.join(dir, 'cli');
  }

  /** Starts dockerd under a fresh temp dir and waits until the CLI gets an answer from it. */
  static async start(opts: { timeoutMs?: number } = {}): Promise<DockerEngine> {
    const why = dockerdUnavailable();
    if (why) throw new Error(why);
    // unix socket paths are limited to 108 bytes: keep the base short.
    const base = tmpdir().length <= 40 ? tmpdir() : '/tmp';
    const engine = new DockerEngine(mkdtempSync(path.join(base, 'bd-')));
    try {
      await engine.launch(opts.timeoutMs ?? 60_000);
    } catch (e) {
      await engine.stop();
      throw e;
    }
    return engine;
  }

  private async launch(timeoutMs: number): Promise<void> {
    const d = this.dir;
    mkdirSync(this.configDir);
    writeFileSync(path.join(this.configDir, 'config.json'), '{}\n');
    const daemonJson = path.join(d, 'daemon.json');
    writeFileSync(daemonJson, '{}\n');
    const ns = `berth-test-${randomBytes(4).toString('hex')}`;
    const args = [
      '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=overlay2',
      '--data-root', path.join(d, 'data'), '--exec-root', path.join(d, 'exec'),
      '--pidfile', path.join(d, 'docker.pid'), '-H', this.host, '--config-file', daemonJson,
      // Own containerd namespaces, in case dockerd picks up a system containerd instead of starting its own.
      '--containerd-namespace', ns, '--containerd-plugins-namespace', `${ns}-plugins`,
    ];
    const log = openSync(this.logFile, 'a');
    try {
      const env = { ...process.env, PATH: searchPath().join(':') };
      this.child = spawn(which('dockerd')!, args, { cwd: d, env, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    let spawnError: Error | undefined;
    child.once('error', (e) => { spawnError = e; });
    process.on('exit', this.onExit);

    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      if (spawnError) throw new Error(`cannot run dockerd: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}) before answering; its log ends:\n${tail(this.logFile)}`);
      }
      const r = await new Promise<{ ok: boolean; text: string }>((resolve) => {
        execFile(which('docker')!, ['version', '--format', '{{.Server.Version}}'], { env: this.env(), timeout: 5000 }, (err, stdout, stderr) => {
          resolve({ ok: !err && stdout.trim() !== '', text: String(stderr || err?.message || '').trim() });
        });
      });
      if (r.ok) return;
      last = r.text;
      await sleep(250);
    }
    throw new Error(`dockerd did not answer on ${this.host} within ${Math.round(timeoutMs / 1000)} s (last CLI error: ${last}); its log ends:\n${tail(this.logFile)}`);
  }

  /** The CLI's environment: this engine, a private config dir, no host docker settings. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DOCKER_')) env[k] = v;
    return { ...env, DOCKER_HOST: this.host, DOCKER_CONFIG: this.configDir, DOCKER_CLI_HINTS: 'false', ...extra };
  }

  /** Runs the docker CLI; never throws for a non-zero exit. */
  run(args: readonly string[], input?: string | Buffer, opts: DockerRunOptions = {}): DockerResult {
    const r = spawnSync(which('docker')!, args, {
      env: this.env(opts.env), input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000,
    });
    if (r.error) throw new Error(`docker ${args.join(' ')}: ${r.error.message}`);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs the docker CLI and returns its stdout; throws with stderr (and the daemon's log tail) on failure. */
  docker(args: readonly string[], input?: string | Buffer, opts: DockerRunOptions = {}): string {
    const r = this.run(args, input, opts);
    if (r.status !== 0) {
      throw new Error(`docker ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr.trim()}\n-- dockerd log tail:\n${tail(this.logFile, 10)}`);
    }
    return r.stdout;
  }

  /** Removes leftover containers, SIGTERMs dockerd (SIGKILL after 20 s), then stray containerd/shims, leftover mounts and the temp dir. */
  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      // Containers a test left running would outlive a killed dockerd: remove them while it answers.
      try {
        const left = lines(this.run(['ps', '-aq'], undefined, { timeoutMs: 10_000 }).stdout);
        if (left.length) this.run(['rm', '-f', ...left], undefined, { timeoutMs: 30_000 });
      } catch {
        // the engine is not answering; the kills below still apply
      }
      child.kill('SIGTERM');
      const done = await Promise.race([this.exited!.then(() => true), sleep(20_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await Promise.race([this.exited, sleep(5000)]);
      }
    }
    // dockerd normally stops its containerd; if it died or had to be killed, nothing graceful is left
    // to do for containerd, its shims or their containers.
    const strays = processesUnder(this.dir);
    for (const pid of strays) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    for (const pid of strays) await waitGone(pid, 5000);
    for (const point of mountsUnder(this.dir)) spawnSync(which('umount') ?? 'umount', ['-l', point]);
    for (let i = 0; ; i++) {
      try {
        rmSync(this.dir, { recursive: true, force: true });
        break;
      } catch (e) {
        if (i >= 5) throw e;
        await sleep(200);
      }
    }
  }
}

/** A private engine for one test file: started in a root `before` hook, stopped in `after`. */
export interface DockerdSuite {
  /** The engine, once the before hook has started it. */
  readonly engine: DockerEngine | undefined;
  /** Why there is no engine (set by the before hook). */
  readonly skipReason: string | undefined;
  /** The engine, or undefined after marking `t` skipped with the reason. */
  need(t: TestContext): DockerEngine | undefined;
}

/**
 * Registers root before/after hooks running a private dockerd. Where it cannot run, tests skip with
 * the reason; BERTH_REQUIRE_DOCKERD=1 turns that into a failure (for machines that must run them).
 * `setup` runs once the engine answers, in the same hook: Node 20 starts a file's root `before`
 * hooks without waiting for the previous one, so a separate hook could not rely on the engine.
 */
export function useDockerd(opts: { timeoutMs?: number; setup?: (engine: DockerEngine) => unknown } = {}): DockerdSuite {
  let engine: DockerEngine | undefined;
  let skipReason: string | undefined = dockerdUnavailable();
  const required = process.env.BERTH_REQUIRE_DOCKERD === '1';
  before(async () => {
    if (skipReason !== undefined) {
      if (required) throw new Error(`BERTH_REQUIRE_DOCKERD=1 but ${skipReason}`);
      return;
    }
    const started = Date.now();
    try {
      engine = await DockerEngine.start(opts);
    } catch (e) {
      if (required) throw e;
      skipReason = `the private dockerd could not start: ${(e as Error).message}`;
      return;
    }
    console.log(`# private dockerd answering in ${Date.now() - started} ms`);
    await opts.setup?.(engine); // a failure here is a real one, not a reason to skip
  });
  after(async () => {
    if (!engine) return;
    const started = Date.now();
    await engine.stop();
    engine = undefined;
    console.log(`# private dockerd stopped and cleaned up in ${Date.now() - started} ms`);
  });
  return {
    get engine() { return engine; },
    get skipReason() { return skipReason; },
    need(t: TestContext): DockerEngine | undefined {
      if (engine) return engine;
      t.skip(skipReason ?? 'no docker engine');
      return undefined;
    },
  };
}

/** Why no busybox rootfs can be made here, or undefined. */
export function busyboxUnavailable(busybox = BUSYBOX): string | undefined {
  if (!existsSync(busybox)) return `${busybox} is missing (Debian package busybox-static)`;
  if (!which('tar')) return 'GNU tar is not installed';
  return undefined;
}

export interface BusyboxRootfsOptions {
  busybox?: string;
  /** Adds more to the tree (at its root path) before it is packed. */
  populate?: (rootfs: string) => void;
}

/**
 * Packs `<dir>/rootfs` (bin/busybox and sh, echo, cat, ls symlinks to it, plus whatever `populate`
 * adds) with GNU tar into `<dir>/rootfs.tar`, numeric owners, xattrs included, names sorted.
 */
export function makeBusyboxRootfs(dir: string, opts: BusyboxRootfsOptions = {}): string {
  const rootfs = path.join(dir, 'rootfs');
  mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  copyFileSync(opts.busybox ?? BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'echo', 'cat', 'ls']) symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  opts.populate?.(rootfs);
  const tarFile = path.join(dir, 'rootfs.tar');
  const r = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '--sort=name', '-C', rootfs, '-cf', tarFile, '.'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr || r.error?.message}`);
  return tarFile;
}

/** Makes a busybox rootfs tarball under `dir` and `docker import`s it as `tag`; returns the image ID. */
export function importBusyboxBase(engine: DockerEngine, tag: string, dir: string, opts: BusyboxRootfsOptions = {}): { id: string; tarFile: string } {
  const tarFile = makeBusyboxRootfs(dir, opts);
  const id = engine.docker(['import', tarFile, tag]).trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(id)) throw new Error(`docker import printed ${JSON.stringify(id)}, not an image ID`);
  return { id, tarFile };
}
