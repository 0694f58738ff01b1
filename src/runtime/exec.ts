// `runc exec`: another process in a running container (its namespaces, capabilities and seccomp filter), with the caller's stdio or a new terminal.
import { spawn, type StdioOptions } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { consoleShim } from './console-shim.ts';
import { containerState, findRunc, runcStateDir, type RuncOptions } from './runc-cli.ts';
import type { RuntimeProcess, RuntimeSpec } from './runtime-spec.ts';

export interface ExecOptions extends RuncOptions {
  id: string;
  args: readonly string[];
  env: readonly string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids?: number[] };
  /** Pass berth's stdin on (`exec -i`); otherwise the process gets /dev/null (with `tty`, nothing is typed). */
  stdin: boolean;
  /**
   * A new terminal for the process (`exec -t`), relayed to berth's stdin and stdout by the console
   * shim; what the process writes to stderr shows on it too, as with docker.
   */
  tty?: boolean;
  consoleSize?: { height: number; width: number };
  /** With `tty`: "ROWS COLS" lines, each resizing the terminal. */
  resize?: Readable;
}

/**
 * The process for `runc exec --process`: the container's own (capabilities, rlimits, …) with the
 * command, environment, directory and user replaced, as runc builds it from its flags, plus the
 * terminal and its initial size (which runc's flags cannot set before the process starts).
 */
async function terminalProcess(opts: ExecOptions): Promise<RuntimeProcess> {
  const state = await containerState(opts, opts.id);
  if (!state) throw new BerthError('RUNTIME', `container ${opts.id} does not exist`);
  const spec = JSON.parse(await readFile(path.join(state.bundle, 'config.json'), 'utf8')) as RuntimeSpec;
  return {
    ...spec.process,
    terminal: true,
    ...(opts.consoleSize ? { consoleSize: opts.consoleSize } : {}),
    args: [...opts.args],
    env: [...spec.process.env, ...opts.env],
    cwd: opts.cwd,
    user: { ...spec.process.user, uid: opts.user.uid, gid: opts.user.gid, additionalGids: opts.user.additionalGids ?? [] },
  };
}

/**
 * Runs the process to its end with berth's stdout and stderr and resolves with its exit code
 * (128 + n for signal n). runc's own failure to start it (read from runc's JSON log, so the
 * process's stderr passes through untouched) is a BerthError carrying runc's words.
 */
export async function execInContainer(opts: ExecOptions): Promise<number> {
  const runc = await findRunc(opts.runcPath);
  const logDir = await mkdtemp(path.join(tmpdir(), 'berth-exec-'));
  const logFile = path.join(logDir, 'runc.log');
  try {
    const base = ['--root', runcStateDir(opts.stateRoot), '--log', logFile, '--log-format', 'json', 'exec'];
    let command = [runc];
    if (opts.tty) {
      const processFile = path.join(logDir, 'process.json');
      await writeFile(processFile, JSON.stringify(await terminalProcess(opts)), { mode: 0o600 });
      command = (await consoleShim(logDir, runc, (flags) => [...base, ...flags, '--process', processFile, opts.id])).command;
    } else {
      command.push(...base, '--cwd', opts.cwd, '--user', `${opts.user.uid}:${opts.user.gid}`);
      for (const g of opts.user.additionalGids ?? []) command.push('--additional-gids', String(g));
      for (const e of opts.env) command.push('--env', e);
      command.push(opts.id, ...opts.args);
    }
    // With a terminal, the shim's own stderr carries only its failures; the process's goes to the terminal.
    const stdio: StdioOptions = [opts.stdin ? 'inherit' : 'ignore', 'inherit', opts.tty ? 'pipe' : 'inherit', opts.tty && opts.resize ? 'pipe' : 'ignore'];
    const child = spawn(command[0]!, command.slice(1), { stdio });
    let shimErrors = '';
    child.stderr?.setEncoding('utf8').on('data', (t: string) => (shimErrors += t));
    const resizeTo = child.stdio[3];
    if (opts.resize && resizeTo && 'write' in resizeTo) {
      resizeTo.on('error', () => {});
      opts.resize.pipe(resizeTo);
    }
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', (e) => reject(new BerthError('RUNTIME', `cannot run ${command[0]}: ${e.message}`, { cause: e })));
      child.once('close', (c, s) => resolve({ code: c, signal: s }));
    });
    if (opts.resize && resizeTo && 'write' in resizeTo) opts.resize.unpipe(resizeTo);
    const errors = (await readFile(logFile, 'utf8').catch(() => ''))
      .split('\n')
      .flatMap((line) => {
        try {
          const e = JSON.parse(line) as { level?: string; msg?: string };
          return (e.level === 'error' || e.level === 'fatal') && e.msg ? [e.msg] : [];
        } catch {
          return [];
        }
      });
    if (errors.length > 0) throw new BerthError('RUNTIME', errors.join('; '));
    if (shimErrors.trim() !== '') throw new BerthError('RUNTIME', `the terminal of the exec'd process failed: ${shimErrors.trim()}`);
    if (signal) return 128 + (osConstants.signals[signal] ?? 0);
    return code ?? 1;
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}
