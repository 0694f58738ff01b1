// Helpers for the end-to-end build tests: the real CLI in a child process, BuildKit plain progress
// parsed back into steps, and checks that a store holds no container, mount, process or temp dir.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs } from '../runtime/helpers.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(REPO, 'src', 'cli', 'main.ts');

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole process, start-up included. */
  ms: number;
}

export interface Running {
  child: ChildProcess;
  /** stderr so far (plain progress goes there). */
  stderr(): string;
  done: Promise<Ran>;
}

/** Starts `berth --root <root> ...args` through tsx, as a user would run it. */
export function startBerth(root: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}): Running {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--root', root, ...args], {
    cwd: opts.cwd ?? REPO,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  const done = new Promise<Ran>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, stderr: () => stderr, done };
}

export function berth(root: string, args: readonly string[], opts: { cwd?: string; input?: string } = {}): Promise<Ran> {
  return startBerth(root, args, opts).done;
}

/** One vertex of BuildKit's plain progress: `#N [stage i/n] TEXT`, its output, then CACHED or DONE. */
export interface PlainStep {
  n: number;
  /** The stage label inside the brackets, if any ("stage-0", "build"). */
  stage: string | undefined;
  text: string;
  cached: boolean;
  done: boolean;
  error: boolean;
  output: string[];
  /** Line numbers (in the whole progress text) of the start and of the CACHED/DONE/ERROR line. */
  startLine: number;
  endLine: number | undefined;
}

export function parsePlain(text: string): PlainStep[] {
  const byN = new Map<number, PlainStep>();
  const steps: PlainStep[] = [];
  // Output lines keep what the process wrote, \r included (dpkg under apt's pty writes \r\n).
  text.split('\n').forEach((line, i) => {
    const start = /^#(\d+) \[(?:(.+?) )?(\d+)\/(\d+)\] (.*)$/s.exec(line);
    if (start) {
      const step: PlainStep = { n: Number(start[1]), stage: start[2], text: start[5]!, cached: false, done: false, error: false, output: [], startLine: i, endLine: undefined };
      byN.set(step.n, step);
      steps.push(step);
      return;
    }
    const m = /^#(\d+) (.*)$/s.exec(line);
    const step = m ? byN.get(Number(m[1])) : undefined;
    if (!m || !step) return;
    const rest = m[2]!;
    if (rest === 'CACHED') { step.cached = true; step.endLine = i; } else if (/^DONE \d+\.\d+s$/.test(rest)) { step.done = true; step.endLine = i; } else if (/^ERROR\b/.test(rest)) { step.error = true; step.endLine = i; } else {
      step.output.push(rest.replace(/^\d+\.\d+ /, '').replace(/\r$/, ''));
    }
  });
  return steps;
}

export interface Built extends Ran {
  steps: PlainStep[];
  /** The image ID from `writing image sha256:…`, when the build got that far. */
  id: string | undefined;
}

export async function build(root: string, args: readonly string[]): Promise<Built> {
  const ran = await berth(root, ['build', '--progress', 'plain', ...args]);
  return { ...ran, steps: parsePlain(ran.stderr), id: /^#\d+ writing image (sha256:[0-9a-f]{64})$/m.exec(ran.stderr)?.[1] };
}

export function step(b: Pick<Built, 'steps' | 'stderr'>, textPrefix: string): PlainStep {
  const found = b.steps.filter((s) => s.text.startsWith(textPrefix));
  if (found.length !== 1) throw new Error(`expected one step starting with ${JSON.stringify(textPrefix)}, found ${found.length} in:\n${b.stderr}`);
  return found[0]!;
}

export function describeBuild(b: Ran): string {
  return `exit ${b.code ?? b.signal}\n--- stderr\n${b.stderr}\n--- stdout\n${b.stdout}`;
}

/** A busybox rootfs (every applet, /etc/passwd and /etc/group, /tmp) imported as `ref`. */
export async function importBusybox(root: string, work: string, ref: string): Promise<void> {
  const dir = path.join(work, 'busybox-rootfs');
  await makeBusyboxRootfs(dir);
  await mkdir(path.join(dir, 'tmp'));
  await chmod(path.join(dir, 'tmp'), 0o1777);
  const tarFile = path.join(work, 'busybox.tar');
  execFileSync('tar', ['--numeric-owner', '--sort=name', '-C', dir, '-cf', tarFile, '.']);
  const r = await berth(root, ['import', '-c', 'CMD ["sh"]', tarFile, ref]);
  if (r.code !== 0) throw new Error(`berth import failed: ${describeBuild(r)}`);
}

/** The layer blobs of a stored image (paths in the store), bottom first, read from its manifest. */
export async function layerBlobs(root: string, ref: string): Promise<string[]> {
  const r = await berth(root, ['inspect', '--format', '{{json .Descriptor}}', ref]);
  if (r.code !== 0) throw new Error(`inspect ${ref} failed: ${describeBuild(r)}`);
  const blob = (digest: string): string => path.join(root, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const manifest = JSON.parse(readFileSync(blob((JSON.parse(r.stdout) as { digest: string }).digest), 'utf8')) as { layers: Array<{ digest: string }> };
  return manifest.layers.map((l) => blob(l.digest));
}

/** Mount points (from /proc/self/mountinfo) at or below `dir`. */
export function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(dir + '/')));
}

/** Containers runc knows under the store's state root. */
export function runcContainers(root: string): string[] {
  const out = execFileSync('runc', ['--root', path.join(root, 'runc'), 'list', '-q'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** Processes (other than this one) whose command line mentions `text`, e.g. the store root runc got. */
export function processesMentioning(text: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(text)) out.push(`${name}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
