// The supervisor of one container (berth re-executed detached, as conmon or containerd-shim): mounts its rootfs, runs it with runc, logs its output, records its exit.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { containerState, resolveUser, runContainer, type ExtraMount, type PortForward } from '../runtime/index.ts';
import { prepareSnapshot, type MutableSnapshot } from '../snapshot/index.ts';
import type { Store } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import { composeEnv, formatPort } from './compose.ts';
import { JsonLog } from './json-log.ts';
import { clearRunLeftovers } from './leftovers.ts';
import { freePort } from './ports.ts';
import { ContainerRecords, processStartTime, supervisorAlive, type ContainerRecord } from './record.ts';
import { makeDirs } from '../util/make-dirs.ts';

/** Where docker-init (tini) comes from: Debian's static build, bound read-only into the container. */
export const INIT_BINARY = '/usr/bin/tini-static';
const INIT_PATH = '/sbin/docker-init';

/** runc's name for the container: its short ID (the full one would make socket paths too long). */
export function runcId(rec: Pick<ContainerRecord, 'Id'>): string {
  return rec.Id.slice(0, 12);
}

/** docker's codes for a command that cannot run: 127 not found, 126 found but not executable, 125 anything else. */
export function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|exec format error|is a directory/i.test(message)) return 126;
  return 125;
}

async function update(records: ContainerRecords, id: string, change: (rec: ContainerRecord) => void): Promise<ContainerRecord | undefined> {
  return records.locked(async () => {
    const rec = await records.read(id);
    if (!rec) return undefined;
    change(rec);
    await records.write(rec);
    return rec;
  });
}

async function publishedPorts(rec: ContainerRecord): Promise<PortForward[]> {
  const out: PortForward[] = [];
  for (const p of rec.Berth.ports) out.push({ ...p, hostPort: p.hostPort || (await freePort(p.protocol, p.hostIp)) });
  return out;
}

async function mounts(rec: ContainerRecord): Promise<ExtraMount[]> {
  const out: ExtraMount[] = [];
  for (const bind of rec.HostConfig.Binds) {
    const [source, destination, mode] = bind.split(':') as [string, string, string?];
    // docker creates a missing bind source as a directory.
    if (!existsSync(source)) await makeDirs(source);
    out.push({ type: 'bind', source, destination, readonly: mode === 'ro' });
  }
  if (rec.HostConfig.Init) {
    if (!existsSync(INIT_BINARY)) throw new BerthError('MISSING_DEPENDENCY', `--init needs ${INIT_BINARY}`, { hint: 'install it (apt-get install tini)' });
    out.push({ type: 'bind', source: INIT_BINARY, destination: INIT_PATH, readonly: true });
  }
  return out;
}

/** A container with -t: a terminal, sized as the terminal of the `run` that created it. */
function terminalOf(rec: ContainerRecord): { terminal?: boolean; consoleSize?: { height: number; width: number } } {
  if (!rec.Config.Tty) return {};
  const [height = 0, width = 0] = rec.HostConfig.ConsoleSize ?? [];
  return { terminal: true, ...(height > 0 && width > 0 ? { consoleSize: { height, width } } : {}) };
}

/** The container's stdin: none, a FIFO the attached `run -i` writes (EOF when it closes), or for `-di` one held open forever. */
function openStdin(rec: ContainerRecord, dir: string, attached: boolean): Readable | undefined {
  if (!rec.Config.OpenStdin) return undefined;
  return createReadStream(path.join(dir, 'stdin'), { flags: attached ? 'r' : 'r+' });
}

/**
 * Runs container `id` to its end. The record says "running" with this process as its supervisor
 * from the start, so `stop`, `ps` and a second berth see it; the exit code, the end time and (with
 * --rm and nobody attached) the removal follow when runc returns. Never throws for the container's
 * own failures: they are recorded as docker records them (State.Error, exit code 125-127).
 */
export async function superviseContainer(store: Store, id: string): Promise<void> {
  const records = new ContainerRecords(store);
  const dir = records.containerDir(id);
  const started = await update(records, id, (rec) => {
    if (rec.State.Status === 'running') throw new BerthError('INVALID_ARGUMENT', `container ${id} is already running`);
  });
  if (!started) throw new BerthError('NOT_FOUND', `No such container: ${id}`);
  const start = (await processStartTime(process.pid)) ?? '';
  let rec = started;
  let snapshot: MutableSnapshot | undefined;
  let exitCode = 0;
  let error = '';
  const log = new JsonLog(records.logFile(id));
  try {
    const ports = rec.HostConfig.NetworkMode === 'default' ? await publishedPorts(rec) : [];
    rec = (await update(records, id, (r) => {
      r.State = { ...r.State, Status: 'running', Running: true, Pid: 0, ExitCode: 0, Error: '', StartedAt: new Date().toISOString(), FinishedAt: '0001-01-01T00:00:00Z' };
      r.Berth.supervisorPid = process.pid;
      r.Berth.supervisorStart = start;
      r.NetworkSettings.Ports = {};
      for (const p of ports) (r.NetworkSettings.Ports[`${p.containerPort}/${p.protocol}`] ??= [])!.push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    }))!;
    const runcName = runcId(rec);
    // A previous supervisor that died (or a reboot) may have left its run behind; this one owns the container now.
    await clearRunLeftovers(store.layout.root, runcName, dir);
    snapshot = await prepareSnapshot(dir, rec.Berth.lowers);
    const user = await resolveUser(snapshot.root, rec.Config.User || '0');
    const args = [rec.Path, ...rec.Args];
    const finished = { done: false };
    const result = runContainer({
      stateRoot: store.layout.root,
      id: runcName,
      spec: {
        args: rec.HostConfig.Init ? [INIT_PATH, '--', ...args] : args,
        env: composeEnv({ Env: rec.Config.Env }, [], rec.Config.Hostname, rec.Config.Tty).process,
        cwd: rec.Config.WorkingDir,
        user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
        rootfs: snapshot.root,
        hostname: rec.Config.Hostname,
        network: ({ default: 'isolated', host: 'host', none: 'none' } as const)[rec.HostConfig.NetworkMode],
        mounts: await mounts(rec),
        // "host:ip": a host name has no colon, an IPv6 address may have many.
        extraHosts: (rec.HostConfig.ExtraHosts ?? []).map((e) => ({ host: e.slice(0, e.indexOf(':')), ip: e.slice(e.indexOf(':') + 1) })),
        ...terminalOf(rec),
      },
      ports,
      ...(() => { const stdin = openStdin(rec, dir, rec.Berth.attachPid !== 0); return stdin ? { stdin } : {}; })(),
      // With -t the terminal is one stream, logged as stdout (as docker does), and the resize FIFO is held open for every attach.
      ...(rec.Config.Tty ? { resize: createReadStream(path.join(dir, 'resize'), { flags: 'r+' }) } : {}),
      stdout: log.writer('stdout', { partial: rec.Config.Tty }),
      stderr: log.writer('stderr'),
    }).finally(() => { finished.done = true; });
    void recordPid(store, records, id, runcName, finished);
    exitCode = (await result).exitCode;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    exitCode = startFailureCode(error);
  } finally {
    await log.close();
    await snapshot?.release().catch(() => {});
  }
  const ended = await update(records, id, (r) => {
    r.State = { ...r.State, Status: 'exited', Running: false, Pid: 0, ExitCode: exitCode, Error: error, FinishedAt: new Date().toISOString() };
    r.NetworkSettings.Ports = {};
  });
  if (ended?.HostConfig.AutoRemove && !(ended.Berth.attachPid && (await attachAlive(ended)))) await records.remove(id);
}

async function attachAlive(rec: ContainerRecord): Promise<boolean> {
  return supervisorAlive({ ...rec, Berth: { ...rec.Berth, supervisorPid: rec.Berth.attachPid, supervisorStart: (await processStartTime(rec.Berth.attachPid)) ?? 'gone' } });
}

/** The container's init pid (for inspect), from runc's state once the container runs. */
async function recordPid(store: Store, records: ContainerRecords, id: string, name: string, finished: { done: boolean }): Promise<void> {
  while (!finished.done) {
    const state = await containerState({ stateRoot: store.layout.root }, name).catch(() => undefined);
    if (state && state.pid > 0 && state.status === 'running') {
      await update(records, id, (r) => { if (r.State.Running) r.State.Pid = state.pid; }).catch(() => {});
      return;
    }
    await delay(50);
  }
}

/** "0.0.0.0:8080->80/tcp" entries of a record's published ports. */
export function portsOf(rec: ContainerRecord): string[] {
  const out: string[] = [];
  for (const [key, binds] of Object.entries(rec.NetworkSettings.Ports)) {
    const [port, protocol = 'tcp'] = key.split('/');
    for (const b of binds ?? []) out.push(formatPort({ hostIp: b.HostIp, hostPort: Number(b.HostPort), containerPort: Number(port), protocol }));
  }
  return out;
}
