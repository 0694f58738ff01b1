// Container lifecycle for the CLI: list, start, stop, kill, remove, prune, logs, and the supervisor's entry point.
import type { Writable } from 'node:stream';
import {
  ContainerRecords, parseTail, portsOf, pruneContainers as prune, removeContainer, signalContainer, startContainer, stopContainer, streamLogs,
  superviseContainer, type BerthCommand, type ContainerRecord, type LogEntry,
} from '../container/index.ts';
import { BerthError } from '../util/errors.ts';
import { parseContainerFilters } from './container-filters.ts';
import { openStore, resolveImage } from './image-resolve.ts';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  command: string;
  created: string;
  status: 'created' | 'running' | 'exited';
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  /** "0.0.0.0:8080->80/tcp" */
  ports: string[];
}

function summary(rec: ContainerRecord): ContainerSummary {
  return {
    id: rec.Id, name: rec.Name, image: rec.Config.Image, command: [rec.Path, ...rec.Args].join(' '), created: rec.Created,
    status: rec.State.Status, exitCode: rec.State.ExitCode, startedAt: rec.State.StartedAt, finishedAt: rec.State.FinishedAt, ports: portsOf(rec),
  };
}

/** docker ps: running containers, or with `all` every one; newest first. */
export interface ListContainersOptions {
  all?: boolean;
  /** docker's `--filter` values (see container-filters.ts). */
  filters?: readonly string[];
  /** `-n`/`--last` (`-l` is 1): the newest n of every state; 0 or less is no limit. */
  last?: number;
}

export async function listContainers(root: string, opts: ListContainersOptions = {}): Promise<ContainerSummary[]> {
  const store = await openStore(root);
  const records = new ContainerRecords(store);
  const filters = opts.filters?.length
    ? await parseContainerFilters(opts.filters, { container: (t) => records.resolve(t), imageId: async (t) => (await resolveImage(store, t)).config })
    : undefined;
  const every = await records.list();
  const last = opts.last !== undefined && opts.last > 0 ? opts.last : undefined;
  const shown = every.filter((r) => (opts.all || last !== undefined || filters?.impliesAll || r.State.Running) && (!filters || filters.test(r, every)));
  return shown.slice(0, last).map(summary);
}

/** docker container inspect's objects (berth's own `Berth` section left out). */
export async function inspectContainers(root: string, names: readonly string[]): Promise<unknown[]> {
  const records = new ContainerRecords(await openStore(root));
  const out: unknown[] = [];
  for (const n of names) {
    const rec = await records.resolve(n);
    const { Berth: _, ...shown } = rec;
    out.push({ ...shown, Name: `/${rec.Name}` });
  }
  return out;
}

/** Applies `fn` to each named container; failures are collected (docker goes on with the next name). */
async function each(root: string, names: readonly string[], fn: (rec: ContainerRecord, store: Awaited<ReturnType<typeof openStore>>) => Promise<void>): Promise<{ done: string[]; errors: BerthError[] }> {
  const store = await openStore(root);
  const records = new ContainerRecords(store);
  const done: string[] = [];
  const errors: BerthError[] = [];
  for (const name of names) {
    try {
      await fn(await records.resolve(name), store);
      done.push(name);
    } catch (e) {
      if (e instanceof BerthError) errors.push(e); else throw e;
    }
  }
  return { done, errors };
}

export async function stopContainers(root: string, names: readonly string[], opts: { timeout?: number; signal?: string } = {}) {
  return each(root, names, (rec, store) => stopContainer(store, rec, opts.timeout, opts.signal));
}

export async function killContainers(root: string, names: readonly string[], signal = 'SIGKILL') {
  return each(root, names, (rec, store) => signalContainer(store, rec, signal));
}

export async function removeContainers(root: string, names: readonly string[], opts: { force?: boolean } = {}) {
  return each(root, names, (rec, store) => removeContainer(store, rec, opts.force === true));
}

/** docker start: runs exited containers again (their filesystem changes kept); a running one is left alone. */
export async function startContainers(root: string, names: readonly string[], berth: BerthCommand) {
  return each(root, names, async (rec, store) => {
    if (rec.State.Running) return;
    const now = await startContainer(store, berth, rec);
    if (now.State.Error) throw new BerthError('RUNTIME', `failed to start container ${rec.Name}: ${now.State.Error}`);
  });
}

export async function pruneContainers(root: string): Promise<string[]> {
  return prune(await openStore(root));
}

export interface LogsOptions {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
}

/** docker logs: writes each entry to `stdout` or `stderr` as the container wrote it (with its time first under `timestamps`). */
export async function containerLogs(root: string, name: string, opts: LogsOptions, out: { stdout: Writable; stderr: Writable }): Promise<void> {
  const tail = parseTail(opts.tail);
  const records = new ContainerRecords(await openStore(root));
  const rec = await records.resolve(name);
  const write = (e: LogEntry): void => {
    (e.stream === 'stderr' ? out.stderr : out.stdout).write(opts.timestamps ? `${e.time} ${e.log}` : e.log);
  };
  await streamLogs(records, rec.Id, { follow: opts.follow === true, ...(tail !== undefined ? { tail } : {}) }, write);
}

/** The hidden verb the supervisor runs as: see container/supervisor.ts. */
export async function superviseContainerProcess(root: string, id: string): Promise<void> {
  await superviseContainer(await openStore(root), id);
}
