// runc's command line: one invocation with a state root, output captured, failures as typed errors; kill, delete, list, version.

import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import { findExecutable } from './network.ts';

export interface RuncOptions {
  /** berth's state root: runc keeps its state in `<stateRoot>/runc`. */
  stateRoot: string;
  /** The runc binary; found on PATH when absent. */
  runcPath?: string;
}

export interface RuncResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where runc keeps container state under berth's state root. */
export function runcStateDir(stateRoot: string): string {
  return path.join(stateRoot, 'runc');
}

export async function findRunc(runcPath?: string): Promise<string> {
  const found = runcPath ?? (await findExecutable('runc'));
  if (found === undefined) {
    throw new BerthError('MISSING_DEPENDENCY', 'runc is not installed; berth runs RUN steps and containers with it', {
      hint: 'install it (apt-get install runc)',
    });
  }
  return found;
}

/** Runs `runc --root <state> <args>` to completion; never throws for a non-zero exit (see `code`). */
export async function execRunc(opts: RuncOptions, args: readonly string[]): Promise<RuncResult> {
  const binary = await findRunc(opts.runcPath);
  return new Promise((resolve, reject) => {
    execFile(binary, ['--root', runcStateDir(opts.stateRoot), ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as (NodeJS.ErrnoException & { code?: unknown }) | null)?.code;
      if (error && typeof code !== 'number') {
        reject(new BerthError('RUNTIME', `cannot run ${binary}: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ code: typeof code === 'number' ? code : 0, stdout, stderr });
    });
  });
}

function failure(what: string, r: RuncResult): BerthError {
  return new BerthError('RUNTIME', `${what}: ${(r.stderr || r.stdout).trim() || `runc exit code ${r.code}`}`);
}

/** Sends `signal` (e.g. "SIGTERM", "KILL", "9") to the container's init, or with `all` to every process in it. */
export async function killContainer(opts: RuncOptions, id: string, signal = 'SIGTERM', all = false): Promise<void> {
  const r = await execRunc(opts, ['kill', ...(all ? ['--all'] : []), id, signal]);
  if (r.code !== 0) throw failure(`cannot signal container ${id}`, r);
}

/** True when runc still has state for `id`. */
export async function containerExists(opts: RuncOptions, id: string): Promise<boolean> {
  return access(path.join(runcStateDir(opts.stateRoot), id)).then(
    () => true,
    () => false,
  );
}

/** Deletes the container's runc state; `force` kills it first if it still runs. A missing container is not an error. */
export async function deleteContainer(opts: RuncOptions, id: string, force = false): Promise<void> {
  if (!(await containerExists(opts, id))) return;
  const r = await execRunc(opts, ['delete', ...(force ? ['--force'] : []), id]);
  if (r.code !== 0 && (await containerExists(opts, id))) throw failure(`cannot delete container ${id}`, r);
}

export interface ContainerState {
  id: string;
  pid: number;
  status: string;
  bundle: string;
}

/** The containers runc knows under this state root. */
export async function listContainers(opts: RuncOptions): Promise<ContainerState[]> {
  if (!(await access(runcStateDir(opts.stateRoot)).then(() => true, () => false))) return [];
  const r = await execRunc(opts, ['list', '--format', 'json']);
  if (r.code !== 0) throw failure('cannot list containers', r);
  const parsed = JSON.parse(r.stdout.trim() || 'null') as ContainerState[] | null;
  return (parsed ?? []).map(({ id, pid, status, bundle }) => ({ id, pid, status, bundle }));
}

/** runc's version ("1.1.5+ds1"); distributions backport fixes, so callers should not refuse on the number alone. */
export async function runcVersion(opts: Pick<RuncOptions, 'runcPath'> = {}): Promise<string> {
  const binary = await findRunc(opts.runcPath);
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], (error, stdout) => {
      if (error) reject(new BerthError('RUNTIME', `cannot run ${binary} --version: ${error.message}`, { cause: error }));
      else resolve(/runc version (\S+)/.exec(stdout)?.[1] ?? stdout.trim());
    });
  });
}

/** `runc state`: the container's init pid and status, or undefined when runc does not know it. */
export async function containerState(opts: RuncOptions, id: string): Promise<ContainerState | undefined> {
  const r = await execRunc(opts, ['state', id]);
  if (r.code !== 0) return undefined;
  const { pid, status, bundle } = JSON.parse(r.stdout) as ContainerState;
  return { id, pid, status, bundle };
}
