// A container's record on disk: ROOT/containers/<id>/config.json in docker inspect's shape, replaced atomically; lookup by ID prefix or name.
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PortForward } from '../runtime/index.ts';
import type { Store } from '../store/index.ts';
import { processAlive, writeFileAtomic } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { makeDirs } from '../util/make-dirs.ts';

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  /** The container's init, as the host sees it (0 when not running). */
  Pid: number;
  ExitCode: number;
  /** Why the container could not start (then ExitCode is 125, 126 or 127). */
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

export interface ContainerRecord {
  Id: string;
  Created: string;
  /** The first word of the command and the rest, as docker inspect shows them. */
  Path: string;
  Args: string[];
  State: ContainerState;
  /** The image's ID (its config digest). */
  Image: string;
  Name: string;
  Config: {
    Hostname: string;
    User: string;
    Env: string[];
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    WorkingDir: string;
    /** What the user typed for the image. */
    Image: string;
    StopSignal: string;
    StopTimeout?: number;
    OpenStdin: boolean;
    Tty: boolean;
    ExposedPorts: Record<string, object>;
    Labels: Record<string, string>;
  };
  HostConfig: {
    AutoRemove: boolean;
    NetworkMode: 'default' | 'host' | 'none';
    Binds: string[];
    Init: boolean;
    PublishAllPorts: boolean;
    PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
    /** [height, width] of the terminal (-t) when the container starts; [0, 0] when unknown (docker's field). */
    ConsoleSize?: [number, number];
    /** `--add-host` entries as docker keeps them, "host:ip" (ip may be host-gateway); absent in older records. */
    ExtraHosts?: string[] | null;
  };
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> };
  /** berth's own: how to mount and run it. */
  Berth: {
    /** Unpacked layer dirs, bottom first. */
    lowers: string[];
    /** The image's manifest digest (what rmi refuses to remove while this container exists). */
    manifest: string;
    ports: PortForward[];
    /** The pid of the supervisor running it (with its start time, so a reused pid is not mistaken for it). */
    supervisorPid: number;
    supervisorStart: string;
    /** A foreground `run` waiting for the exit: with --rm, it removes the container itself after reading the last logs. */
    attachPid: number;
  };
}

export class ContainerRecords {
  constructor(private readonly store: Store) {}

  get dir(): string {
    return path.join(this.store.layout.root, 'containers');
  }

  containerDir(id: string): string {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new BerthError('INVALID_ARGUMENT', `invalid container ID "${id}"`);
    return path.join(this.dir, id);
  }

  logFile(id: string): string {
    return path.join(this.containerDir(id), `${id}-json.log`);
  }

  /** Changes to records are made under this lock, so two processes never give out one name twice. */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    await makeDirs(this.dir, 0o700);
    return this.store.locks.with('containers', 'exclusive', fn);
  }

  async write(rec: ContainerRecord): Promise<void> {
    const dir = this.containerDir(rec.Id);
    await makeDirs(dir, 0o700);
    await writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(rec, null, 2) + '\n');
  }

  /** The record as stored, with a running state whose supervisor is gone turned into "exited". */
  async read(id: string): Promise<ContainerRecord | undefined> {
    let text: string;
    try {
      text = await readFile(path.join(this.containerDir(id), 'config.json'), 'utf8');
    } catch {
      return undefined;
    }
    const rec = JSON.parse(text) as ContainerRecord;
    if (rec.State.Status === 'running' && !(await supervisorAlive(rec))) {
      // Its supervisor died without recording the exit (killed, or the machine rebooted): when is unknown, so the start time stands in.
      rec.State = { ...rec.State, Status: 'exited', Running: false, Pid: 0, ExitCode: rec.State.ExitCode || 255, FinishedAt: rec.State.FinishedAt.startsWith('0001-') ? rec.State.StartedAt : rec.State.FinishedAt };
    }
    return rec;
  }

  /** Every container, newest first. */
  async list(): Promise<ContainerRecord[]> {
    const out: ContainerRecord[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const rec = await this.read(name);
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => b.Created.localeCompare(a.Created));
  }

  /** docker's lookup: full ID, then exact name, then a unique ID prefix. */
  async resolve(text: string): Promise<ContainerRecord> {
    const all = await this.list();
    const name = text.replace(/^\//, '');
    const hit = all.find((c) => c.Id === text) ?? all.find((c) => c.Name === name);
    if (hit) return hit;
    const byPrefix = /^[0-9a-f]+$/.test(text) ? all.filter((c) => c.Id.startsWith(text)) : [];
    if (byPrefix.length === 1) return byPrefix[0]!;
    if (byPrefix.length > 1) throw new BerthError('INVALID_ARGUMENT', `multiple IDs found with provided prefix: ${text}`, { hint: 'give more characters of the ID' });
    throw new BerthError('NOT_FOUND', `No such container: ${text}`, { hint: 'list the containers with `berth ps -a`' });
  }

  async remove(id: string): Promise<void> {
    await rm(this.containerDir(id), { recursive: true, force: true });
  }
}

/** The start time of a process (field 22 of /proc/PID/stat), to tell it from a later one with the same pid. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

export async function supervisorAlive(rec: ContainerRecord): Promise<boolean> {
  const pid = rec.Berth.supervisorPid;
  if (!pid || !processAlive(pid)) return false;
  return (await processStartTime(pid)) === rec.Berth.supervisorStart;
}
