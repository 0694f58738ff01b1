// `create`: a new container's record (ID, unique name, composed command and config) written under the containers lock.
import { hostname as osHostname } from 'node:os';
import type { ContainerConfig } from '../oci/index.ts';
import type { HostEntry } from '../runtime/index.ts';
import type { Store } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import { composeCommand, composeEnv, composeWorkdir, exposedPorts, parsePublish, parseVolume, type PortSpec } from './compose.ts';
import { checkName, newContainerId, randomName } from './names.ts';
import { ContainerRecords, type ContainerRecord } from './record.ts';

export interface ImageForContainer {
  /** Config digest. */
  id: string;
  manifest: string;
  /** What the user typed. */
  name: string;
  config: ContainerConfig;
  /** Unpacked layer dirs, bottom first. */
  lowers: string[];
}

export interface CreateOptions {
  image: ImageForContainer;
  name?: string;
  cmd: readonly string[];
  entrypoint?: string;
  /** NAME=value entries from -e and --env-file, host values already filled in. */
  env: readonly string[];
  workdir?: string;
  user?: string;
  publish?: readonly string[];
  publishAll?: boolean;
  volumes?: readonly string[];
  network?: 'default' | 'host' | 'none';
  autoRemove?: boolean;
  init?: boolean;
  interactive?: boolean;
  tty?: boolean;
  /** [height, width] of the caller's terminal, the container's terminal's first size (with `tty`). */
  consoleSize?: [number, number];
  stopSignal?: string;
  /** Seconds `stop` waits before SIGKILL when it is not given -t. */
  stopTimeout?: number;
  hostname?: string;
  labels?: Record<string, string>;
  /** `--add-host` entries (validated by the caller). */
  extraHosts?: readonly HostEntry[];
}

function portKey(p: PortSpec): string {
  return `${p.containerPort}/${p.protocol}`;
}

export async function createContainer(store: Store, opts: CreateOptions): Promise<ContainerRecord> {
  const img = opts.image.config;
  const { entrypoint, cmd, args } = composeCommand(img, { cmd: opts.cmd, ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}) });
  const workdir = composeWorkdir(img, opts.workdir);
  const network = opts.network ?? 'default';
  const ports = [...(opts.publish ?? []).map(parsePublish), ...(opts.publishAll ? exposedPorts(img) : [])];
  const binds = (opts.volumes ?? []).map((v) => parseVolume(v));
  const wanted = opts.name !== undefined ? checkName(opts.name) : undefined;
  if (opts.hostname !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(opts.hostname)) {
    throw new BerthError('INVALID_ARGUMENT', `invalid hostname format: ${opts.hostname}`, { hint: 'letters, digits, dots and dashes; at most 63' });
  }
  const records = new ContainerRecords(store);
  return records.locked(async () => {
    const existing = await records.list();
    let id = newContainerId();
    while (existing.some((c) => c.Id.slice(0, 12) === id.slice(0, 12))) id = newContainerId();
    let name = wanted;
    if (name !== undefined) {
      const clash = existing.find((c) => c.Name === name);
      if (clash) {
        throw new BerthError('INVALID_ARGUMENT', `Conflict. The container name "/${name}" is already in use by container "${clash.Id}". You have to remove (or rename) that container to be able to reuse that name.`, {
          hint: `remove it with \`berth rm ${name}\`, or choose another --name`,
        });
      }
    } else {
      for (let retry = 0; name === undefined || existing.some((c) => c.Name === name); retry++) name = randomName(retry > 5 ? retry : 0);
    }
    // On the host's network a container takes the host's name, as in docker.
    const hostname = opts.hostname ?? (network === 'host' ? osHostname() : id.slice(0, 12));
    const exposed: Record<string, object> = { ...(img.ExposedPorts ?? {}) };
    const bindings: ContainerRecord['HostConfig']['PortBindings'] = {};
    for (const p of ports) {
      exposed[portKey(p)] = {};
      (bindings[portKey(p)] ??= []).push({ HostIp: p.hostIp, HostPort: p.hostPort === 0 ? '' : String(p.hostPort) });
    }
    const now = new Date().toISOString();
    const rec: ContainerRecord = {
      Id: id,
      Created: now,
      Path: args[0]!,
      Args: args.slice(1),
      State: { Status: 'created', Running: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
      Image: opts.image.id,
      Name: name,
      Config: {
        Hostname: hostname,
        User: opts.user ?? img.User ?? '',
        Env: composeEnv(img, opts.env, hostname, opts.tty === true).config,
        Cmd: cmd.length ? cmd : null,
        Entrypoint: entrypoint.length ? entrypoint : null,
        WorkingDir: workdir,
        Image: opts.image.name,
        StopSignal: opts.stopSignal ?? img.StopSignal ?? 'SIGTERM',
        ...(opts.stopTimeout !== undefined ? { StopTimeout: opts.stopTimeout } : {}),
        OpenStdin: opts.interactive === true,
        Tty: opts.tty === true,
        ExposedPorts: exposed,
        Labels: { ...(img.Labels ?? {}), ...(opts.labels ?? {}) },
      },
      HostConfig: {
        AutoRemove: opts.autoRemove === true,
        NetworkMode: network,
        Binds: binds.map((b) => `${b.source}:${b.destination}${b.readonly ? ':ro' : ''}`),
        Init: opts.init === true,
        PublishAllPorts: opts.publishAll === true,
        PortBindings: bindings,
        ConsoleSize: opts.consoleSize ? [opts.consoleSize[0], opts.consoleSize[1]] : [0, 0],
        ExtraHosts: opts.extraHosts?.length ? opts.extraHosts.map((h) => `${h.host}:${h.ip}`) : null,
      },
      NetworkSettings: { Ports: {} },
      Berth: {
        lowers: [...opts.image.lowers],
        manifest: opts.image.manifest,
        ports: ports.map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort })),
        supervisorPid: 0,
        supervisorStart: '',
        attachPid: 0,
      },
    };
    await records.write(rec);
    return rec;
  });
}
