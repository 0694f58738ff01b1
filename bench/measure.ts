// Timing one command: wall time from spawn to exit, and (optionally) the peak resident memory of
// its process tree, polled from /proc while it runs.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Command {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Measured {
  seconds: number;
  /** Peak resident bytes of the process and its descendants (undefined unless tracked). */
  peakRss?: number;
  stdout: string;
  stderr: string;
}

const FAST_POLL_MS = 10;
const TREE_POLL_MS = 50;
const KEEP_OUTPUT = 64 * 1024;

/** VmHWM and VmRSS of a process in bytes, or undefined once it is gone. */
function memoryOf(pid: number): { hwm: number; rss: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
}

/** Every descendant of `root` (this kernel has no /proc/<pid>/task/<tid>/children: scan /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid);
      if (list) list.push(Number(name));
      else children.set(ppid, [Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const visit = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      visit(c);
    }
  };
  visit(root);
  return out;
}

/** The currently running measured child, so an interrupt can stop it. */
let current: ReturnType<typeof spawn> | undefined;

export function killCurrent(): void {
  current?.kill('SIGINT');
}

/**
 * Runs `cmd` to completion and times it. With `trackMemory`, the peak is the larger of the
 * process's own high-water mark and the largest sum of resident memory over its tree seen by the
 * poll (descendants such as runc are sampled every 50 ms; the process's own peak is exact).
 * Throws with the command's stderr when it fails.
 */
export async function measure(cmd: Command, opts: { trackMemory?: boolean } = {}): Promise<Measured> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  current = child;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { if (stdout.length < KEEP_OUTPUT) stdout += d.toString('utf8'); });
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-KEEP_OUTPUT); });

  let ownPeak = 0;
  let treePeak = 0;
  let lastTreeScan = 0;
  const timer = opts.trackMemory && child.pid !== undefined ? setInterval(() => {
    const pid = child.pid as number;
    const own = memoryOf(pid);
    if (!own) return;
    ownPeak = Math.max(ownPeak, own.hwm);
    const now = Date.now();
    if (now - lastTreeScan < TREE_POLL_MS) return;
    lastTreeScan = now;
    let sum = own.rss;
    for (const d of descendants(pid)) sum += memoryOf(d)?.rss ?? 0;
    treePeak = Math.max(treePeak, sum);
  }, FAST_POLL_MS) : undefined;

  const status = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; ended: bigint }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, ended: process.hrtime.bigint() }));
  }).finally(() => {
    if (timer) clearInterval(timer);
    current = undefined;
  });
  // Let the pipes drain so the output is complete.
  await new Promise<void>((resolve) => { if (child.stdout.readableEnded && child.stderr.readableEnded) resolve(); else child.once('close', () => resolve()); });
  if (status.code !== 0) {
    const how = status.signal ? `signal ${status.signal}` : `exit ${status.code}`;
    throw new Error(`${cmd.file} ${cmd.args.join(' ')} failed (${how}):\n${stderr.trim().split('\n').slice(-20).join('\n')}`);
  }
  const seconds = Number(status.ended - started) / 1e9;
  return { seconds, ...(opts.trackMemory ? { peakRss: Math.max(ownPeak, treePeak) } : {}), stdout, stderr };
}

/** Runs a command that is part of the set-up (not timed); throws on failure. */
export async function run(cmd: Command): Promise<string> {
  return (await measure(cmd)).stdout;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
