// Starting (a detached supervisor per container), stopping, killing and removing containers; removal leaves no mount, process or runc state.
import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { killContainer } from '../runtime/index.ts';
import type { Store } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import { clearRunLeftovers } from './leftovers.ts';
import { ContainerRecords, supervisorAlive, type ContainerRecord } from './record.ts';
import { runcId } from './supervisor.ts';

const run = promisify(execFile);
const POLL_MS = 50;

/** How to run berth itself, e.g. [node, /usr/lib/berth/bin/berth]: the supervisor is berth re-executed with a hidden verb. */
export type BerthCommand = readonly string[];

export interface StartOptions {
  /** A foreground `run` that will read the output: with --rm, the supervisor leaves the removal to it. */
  attachPid?: number;
}

/**
 * Starts the supervisor of `rec` in its own session (it outlives berth), then waits until the
 * container runs or has already ended, and returns its record at that point.
 */
export async function startContainer(store: Store, berth: BerthCommand, rec: ContainerRecord, opts: StartOptions = {}): Promise<ContainerRecord> {
  const records = new ContainerRecords(store);
  const dir = records.containerDir(rec.Id);
  await records.locked(async () => {
    const now = await records.read(rec.Id);
    if (!now) throw new BerthError('NOT_FOUND', `No such container: ${rec.Id}`);
    now.Berth.attachPid = opts.attachPid ?? 0;
    // Until its supervisor takes over, a restarted container must not look like it already ended again.
    now.State = { ...now.State, Status: 'created', Running: false, Pid: 0 };
    await records.write(now);
  });
  if (rec.Config.OpenStdin && !existsSync(path.join(dir, 'stdin'))) await run('mkfifo', ['-m', '600', path.join(dir, 'stdin')]);
  // An attached `run -t` writes its terminal's new sizes here; the supervisor resizes the container's.
  if (rec.Config.Tty && !existsSync(path.join(dir, 'resize'))) await run('mkfifo', ['-m', '600', path.join(dir, 'resize')]);
  const out = openSync(path.join(dir, 'supervisor.log'), 'a', 0o600);
  let exited = false;
  try {
    const child = spawn(berth[0]!, [...berth.slice(1), '--root', store.layout.root, 'container', '__supervise', rec.Id], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, BERTH_SUPERVISOR: '1' },
    });
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    child.unref();
  } finally {
    closeSync(out);
  }
  for (;;) {
    const now = await records.read(rec.Id);
    if (!now) {
      // A --rm container nobody attached to can end and be removed before this loop looks again.
      if (rec.HostConfig.AutoRemove && !opts.attachPid) return { ...rec, State: { ...rec.State, Status: 'exited', Running: false } };
      throw new BerthError('INTERNAL', `container ${rec.Id} vanished while starting`);
    }
    if (now.State.Status === 'exited' || (now.State.Running && now.State.Pid > 0)) return now;
    if (exited && now.State.Status === 'created') {
      const why = (await readFile(path.join(dir, 'supervisor.log'), 'utf8').catch(() => '')).trim().split('\n').slice(-3).join('\n');
      throw new BerthError('RUNTIME', `the container's supervisor ended before starting it${why ? `: ${why}` : ''}`);
    }
    await delay(POLL_MS);
  }
}

/** Waits until the container is no longer running; false when `ms` passed first. */
export async function waitStopped(records: ContainerRecords, id: string, ms = Infinity): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rec = await records.read(id);
    if (!rec || !rec.State.Running) return true;
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
}

/** Sends `signal` to the container's init (docker kill). */
export async function signalContainer(store: Store, rec: ContainerRecord, signal: string): Promise<void> {
  if (!rec.State.Running) {
    throw new BerthError('INVALID_ARGUMENT', `Cannot kill container: ${rec.Name}: Container ${rec.Id} is not running`);
  }
  await killContainer({ stateRoot: store.layout.root }, runcId(rec), normalizeSignal(signal));
}

/** "TERM", "SIGTERM", "15" → the form runc takes ("SIGTERM", "15"). */
export function normalizeSignal(signal: string): string {
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) return s;
  if (!/^(SIG)?[A-Z0-9+-]+$/.test(s)) throw new BerthError('INVALID_ARGUMENT', `invalid signal: ${signal}`);
  return s.startsWith('SIG') ? s : `SIG${s}`;
}

/**
 * docker stop: the container's stop signal (STOPSIGNAL, SIGTERM by default), then SIGKILL once
 * `timeoutSeconds` have passed. A container that is not running is left as it is.
 */
export async function stopContainer(store: Store, rec: ContainerRecord, timeoutSeconds = rec.Config.StopTimeout ?? 10, signal?: string): Promise<void> {
  if (!rec.State.Running) return;
  const records = new ContainerRecords(store);
  const runc = { stateRoot: store.layout.root };
  await killContainer(runc, runcId(rec), normalizeSignal(signal ?? rec.Config.StopSignal)).catch(() => {});
  if (await waitStopped(records, rec.Id, Math.max(0, timeoutSeconds) * 1000)) return;
  await killContainer(runc, runcId(rec), 'SIGKILL').catch(() => {});
  await waitStopped(records, rec.Id);
}

/**
 * docker rm: refuses a running container unless `force` (then kills it). Waits for its supervisor
 * to finish, then removes whatever a dead supervisor may have left (runc state, overlay mount) and
 * the container's directory.
 */
export async function removeContainer(store: Store, rec: ContainerRecord, force = false): Promise<void> {
  const records = new ContainerRecords(store);
  if (rec.State.Running) {
    if (!force) {
      throw new BerthError('INVALID_ARGUMENT', `You cannot remove a running container ${rec.Id}. Stop the container before attempting removal or force remove`, {
        hint: `stop it first (berth stop ${rec.Name}) or use rm -f`,
      });
    }
    await killContainer({ stateRoot: store.layout.root }, runcId(rec), 'SIGKILL').catch(() => {});
    await waitStopped(records, rec.Id, 10_000);
  }
  for (let i = 0; i < 100 && (await supervisorAlive(rec)); i++) await delay(POLL_MS);
  if (await supervisorAlive(rec)) process.kill(rec.Berth.supervisorPid, 'SIGKILL');
  await clearRunLeftovers(store.layout.root, runcId(rec), records.containerDir(rec.Id));
  await records.remove(rec.Id);
}

/** docker container prune: removes every container that is not running; returns their IDs. */
export async function pruneContainers(store: Store): Promise<string[]> {
  const records = new ContainerRecords(store);
  const removed: string[] = [];
  for (const rec of await records.list()) {
    if (rec.State.Running) continue;
    await removeContainer(store, rec);
    removed.push(rec.Id);
  }
  return removed;
}
