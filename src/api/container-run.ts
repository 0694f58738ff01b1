// `run`, `attach` and `exec` for the CLI: an image reference and docker's flags in, a started container (or its exit code) out.
import { closeSync, constants as fsConstants, createWriteStream, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  ContainerRecords, createContainer, normalizeSignal, parseEnvFile, removeContainer, resolveEnvEntries, runcId, startContainer, startFailureCode, streamLogs,
  type BerthCommand, type ContainerRecord,
} from '../container/index.ts';
import type { ImageConfig } from '../oci/index.ts';
import { execInContainer, resolveUser } from '../runtime/index.ts';
import { manifestLinks, type Store } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import { parseAddHosts } from './add-host.ts';
import { openStore, resolveImage } from './image-resolve.ts';

export interface RunContainerOptions {
  image: string;
  cmd?: readonly string[];
  name?: string;
  entrypoint?: string;
  /** -e entries: NAME=value, or a bare NAME for the host's value. */
  env?: readonly string[];
  envFiles?: readonly string[];
  publish?: readonly string[];
  publishAll?: boolean;
  volumes?: readonly string[];
  workdir?: string;
  user?: string;
  network?: string;
  detach?: boolean;
  autoRemove?: boolean;
  interactive?: boolean;
  tty?: boolean;
  /** With `tty`: the caller's terminal size, [height, width], the container's terminal's first size. */
  consoleSize?: [number, number];
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  hostname?: string;
  /** `--add-host host:ip` values. */
  addHosts?: readonly string[];
  /** `--label KEY[=VALUE]` (a bare KEY is an empty value) and `--label-file` files (applied first), over the image's labels. */
  labels?: readonly string[];
  labelFiles?: readonly string[];
  /** How to re-execute berth for the container's supervisor. */
  berth: BerthCommand;
  hostEnv?: NodeJS.ProcessEnv;
}

export interface StartedContainer {
  id: string;
  name: string;
  /** Set when the container already ended (e.g. its command could not be started). */
  exitCode?: number;
  error?: string;
  /** What docker's daemon would warn about at create (the CLI prints each as "WARNING: …"). */
  warnings: string[];
}

const NETWORKS = new Set(['default', 'bridge', 'host', 'none']);

/** The unpacked layer dirs of an image, bottom first (unpacked now if they were not yet). */
async function imageLowers(store: Store, manifest: string, config: ImageConfig): Promise<string[]> {
  const links = manifestLinks(await store.blobs.read(manifest), manifest);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== links.layers.length) throw new BerthError('INVALID_IMAGE', `image ${manifest} has ${links.layers.length} layers but ${diffIds.length} diff_ids`);
  const lowers: string[] = [];
  for (let i = 0; i < diffIds.length; i++) lowers.push(await store.snapshots.ensure(diffIds[i]!, links.layers[i]!));
  return lowers;
}

export async function runContainer(root: string, opts: RunContainerOptions): Promise<StartedContainer> {
  const network = opts.network ?? 'default';
  if (!NETWORKS.has(network)) {
    throw new BerthError('NOT_FOUND', `network ${network} not found: berth has the networks default, host and none`, { hint: 'use --network default|host|none' });
  }
  const extraHosts = parseAddHosts(opts.addHosts ?? []);
  const hostEnv = opts.hostEnv ?? process.env;
  const fromFiles: string[] = [];
  for (const f of opts.envFiles ?? []) {
    const text = await readFile(f, 'utf8').catch((e: unknown) => { throw new BerthError('NOT_FOUND', `open ${f}: no such file or directory`, { cause: e }); });
    fromFiles.push(...parseEnvFile(text, f));
  }
  // docker applies --env-file first, then -e.
  const env = resolveEnvEntries([...fromFiles, ...(opts.env ?? [])], hostEnv);
  const labelLines: string[] = [];
  for (const f of opts.labelFiles ?? []) {
    const text = await readFile(f, 'utf8').catch((e: unknown) => { throw new BerthError('NOT_FOUND', `open ${f}: no such file or directory`, { cause: e }); });
    labelLines.push(...text.split('\n').map((l) => l.replace(/\r$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#')));
  }
  const labels = Object.fromEntries([...labelLines, ...(opts.labels ?? [])].map((kv) => {
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    if (key === '') throw new BerthError('INVALID_ARGUMENT', `invalid label '${kv}': empty name`);
    return [key, eq < 0 ? '' : kv.slice(eq + 1)];
  }));
  const store = await openStore(root);
  const img = await resolveImage(store, opts.image);
  const config = JSON.parse((await store.blobs.read(img.config)).toString('utf8')) as ImageConfig;
  const lowers = await store.write(() => imageLowers(store, img.manifest, config));
  const rec = await createContainer(store, {
    image: { id: img.config, manifest: img.manifest, name: opts.image, config: config.config ?? {}, lowers },
    cmd: opts.cmd ?? [],
    env,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    publish: opts.publish ?? [],
    publishAll: opts.publishAll === true,
    volumes: opts.volumes ?? [],
    network: network === 'bridge' ? 'default' : (network as 'default' | 'host' | 'none'),
    autoRemove: opts.autoRemove === true,
    init: opts.init === true,
    interactive: opts.interactive === true,
    tty: opts.tty === true,
    ...(opts.tty && opts.consoleSize ? { consoleSize: opts.consoleSize } : {}),
    ...(opts.stopSignal !== undefined ? { stopSignal: normalizeSignal(opts.stopSignal) } : {}),
    ...(opts.stopTimeout !== undefined ? { stopTimeout: opts.stopTimeout } : {}),
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
    extraHosts,
    labels,
  });
  const now = await startContainer(store, opts.berth, rec, opts.detach ? {} : { attachPid: process.pid });
  // As docker's daemon: -p has no meaning on the host's network (with none, ports are dropped without a word).
  const warnings = network === 'host' && (opts.publish ?? []).length > 0 ? ['Published ports are discarded when using host network mode'] : [];
  return described(now, warnings);
}

function described(rec: ContainerRecord, warnings: string[]): StartedContainer {
  const out: StartedContainer = { id: rec.Id, name: rec.Name, warnings };
  if (rec.State.Status === 'exited') {
    out.exitCode = rec.State.ExitCode;
    if (rec.State.Error) out.error = rec.State.Error;
  }
  return out;
}

export interface AttachIO {
  stdout: Writable;
  stderr: Writable;
  /** With `run -i`: what the container reads until it ends. */
  stdin?: Readable;
}

/**
 * Streams a started container's output until it ends and returns its exit code (with the reason
 * when it could not start). With --rm, removes it afterwards: the supervisor left that to us so
 * no output is lost.
 */
export async function attachContainer(root: string, id: string, io: AttachIO): Promise<{ exitCode: number; error?: string }> {
  const store = await openStore(root);
  const records = new ContainerRecords(store);
  if (io.stdin) {
    const fifo = createWriteStream(path.join(records.containerDir(id), 'stdin'));
    fifo.on('error', () => {}); // the container may end without reading its input
    io.stdin.pipe(fifo);
  }
  await streamLogs(records, id, { follow: true }, (e) => (e.stream === 'stderr' ? io.stderr : io.stdout).write(e.log), async (r, i) => {
    const rec = await r.read(i);
    return !rec || rec.State.Status === 'exited';
  });
  io.stdin?.unpipe();
  const rec = await records.read(id);
  if (!rec) return { exitCode: 0 };
  if (rec.HostConfig.AutoRemove) await removeContainer(store, rec);
  return { exitCode: rec.State.ExitCode, ...(rec.State.Error ? { error: rec.State.Error } : {}) };
}

/**
 * Resizes the terminal of a running `-t` container (the caller's terminal changed size); a container
 * without a terminal, or one that has ended, is left alone.
 */
export async function resizeContainer(root: string, id: string, height: number, width: number): Promise<void> {
  const store = await openStore(root);
  const fifo = path.join(new ContainerRecords(store).containerDir(id), 'resize');
  let fd: number;
  try {
    // Non-blocking: with no supervisor reading (the container ended), opening fails at once rather than waiting forever.
    fd = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } catch {
    return;
  }
  try {
    writeSync(fd, `${height} ${width}\n`);
  } catch {
    // the supervisor is going away: nothing to resize
  } finally {
    closeSync(fd);
  }
}

export interface ExecContainerOptions {
  container: string;
  cmd: readonly string[];
  env?: readonly string[];
  envFiles?: readonly string[];
  user?: string;
  workdir?: string;
  interactive?: boolean;
  tty?: boolean;
  /** With `tty`: the caller's terminal size, [height, width]. */
  consoleSize?: [number, number];
  /** With `tty`: "ROWS COLS" lines as the caller's terminal changes size. */
  resize?: Readable;
  detach?: boolean;
  hostEnv?: NodeJS.ProcessEnv;
}

/** docker exec: runs a command in a running container with berth's stdio; returns its exit code (126/127 when it cannot run). */
export async function execContainer(root: string, opts: ExecContainerOptions): Promise<{ exitCode: number; error?: string }> {
  if (opts.detach) throw new BerthError('NOT_IMPLEMENTED', 'exec -d is not supported yet', { hint: 'run the command in the foreground' });
  const store = await openStore(root);
  const rec = await new ContainerRecords(store).resolve(opts.container);
  if (!rec.State.Running) throw new BerthError('INVALID_ARGUMENT', `Container ${rec.Id} is not running`, { hint: `start it first: berth start ${rec.Name}` });
  if (opts.cmd.length === 0) throw new BerthError('INVALID_ARGUMENT', 'exec needs a command to run');
  if (opts.workdir !== undefined && !opts.workdir.startsWith('/')) throw new BerthError('INVALID_ARGUMENT', `the working directory '${opts.workdir}' is invalid, it needs to be an absolute path`);
  const fromFiles: string[] = [];
  for (const f of opts.envFiles ?? []) fromFiles.push(...parseEnvFile(await readFile(f, 'utf8'), f));
  const extra = resolveEnvEntries([...fromFiles, ...(opts.env ?? [])], opts.hostEnv ?? process.env);
  // The container's root as its own processes see it (/proc/PID/root), for resolving the user.
  const user = await resolveUser(`/proc/${rec.State.Pid}/root`, opts.user ?? rec.Config.User ?? '0');
  try {
    const exitCode = await execInContainer({
      stateRoot: store.layout.root, id: runcId(rec), args: opts.cmd,
      // docker's exec environment: PATH, HOSTNAME and (with -t) TERM, then the container's Env, then -e.
      env: [
        `PATH=${(/^PATH=(.*)$/m.exec(rec.Config.Env.join('\n'))?.[1]) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}`, `HOSTNAME=${rec.Config.Hostname}`,
        ...(opts.tty ? ['TERM=xterm'] : []), ...rec.Config.Env, ...extra,
      ],
      cwd: opts.workdir ?? rec.Config.WorkingDir, user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids }, stdin: opts.interactive === true,
      ...(opts.tty ? { tty: true, ...(opts.consoleSize ? { consoleSize: { height: opts.consoleSize[0], width: opts.consoleSize[1] } } : {}), ...(opts.resize ? { resize: opts.resize } : {}) } : {}),
    });
    return { exitCode };
  } catch (e) {
    if (e instanceof BerthError && e.code === 'RUNTIME') return { exitCode: startFailureCode(e.message), error: e.message };
    throw e;
  }
}
