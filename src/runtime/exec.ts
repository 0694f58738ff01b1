// `runc exec`: another process in a running container (its namespaces, capabilities and seccomp filter), with the caller's stdio.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import { findRunc, runcStateDir, type RuncOptions } from './runc-cli.ts';

export interface ExecOptions extends RuncOptions {
  id: string;
  args: readonly string[];
  env: readonly string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids?: number[] };
  /** Pass berth's stdin on (`exec -i`); otherwise the process gets /dev/null. */
  stdin: boolean;
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
    const args = ['--root', runcStateDir(opts.stateRoot), '--log', logFile, '--log-format', 'json', 'exec', '--cwd', opts.cwd, '--user', `${opts.user.uid}:${opts.user.gid}`];
    for (const g of opts.user.additionalGids ?? []) args.push('--additional-gids', String(g));
    for (const e of opts.env) args.push('--env', e);
    args.push(opts.id, ...opts.args);
    const child = spawn(runc, args, { stdio: [opts.stdin ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', (e) => reject(new BerthError('RUNTIME', `cannot run ${runc}: ${e.message}`, { cause: e })));
      child.once('close', (c, s) => resolve({ code: c, signal: s }));
    });
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
    if (signal) return 128 + (osConstants.signals[signal] ?? 0);
    return code ?? 1;
  } finally {
    await rm(logDir, { recursive: true, force: true });
  }
}
