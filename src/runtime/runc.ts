// runc adapter: runs one container to completion (private bundle, live output, networking, abort) and always cleans up after it.

import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { BerthError } from '../util/errors.ts';
import { DEFAULT_NOFILE } from './defaults.ts';
import { capabilityBound, checkContainerId, createBundleDir, newContainerId, nofileCeiling, thermalThrottlePaths, writeConfig, writeEtcFiles } from './bundle.ts';
import { consoleShim } from './console-shim.ts';
import { listenForContainerPid, type PidHandoff } from './hook.ts';
import { recordMountStubs, type MountStubs } from './mount-stubs.ts';
import { checkSystemMountpoints } from './root-path.ts';
import { addHostForward, findExecutable, isExecutable, missingSlirp4netns, startSlirp4netns, type PortForward, type Slirp4netns } from './network.ts';
import { deleteContainer, execRunc, findRunc, runcStateDir, type RuncOptions } from './runc-cli.ts';
import { buildRuntimeSpec, containerMounts, type ContainerSpec, type NetworkMode } from './spec.ts';
import { makeDirs } from '../util/make-dirs.ts';

export interface RunOptions extends RuncOptions {
  spec: ContainerSpec;
  /** Defaults to a fresh `berth-<random>`. */
  id?: string;
  /** The process's stdin; /dev/null when absent. With `spec.terminal`, what is typed into its terminal. */
  stdin?: Readable;
  /**
   * Where the process's output goes as it is written (not ended by berth). Discarded when absent.
   * With `spec.terminal` everything the terminal shows goes to stdout, as docker's -t merges stderr.
   */
  stdout?: Writable;
  stderr?: Writable;
  /** With `spec.terminal`: "ROWS COLS" lines, each resizing the terminal (SIGWINCH in the container). */
  resize?: Readable;
  /** Aborting kills the container (SIGKILL), removes it, and rejects with the signal's reason. */
  signal?: AbortSignal;
  slirp4netnsPath?: string;
  /** 'none': without slirp4netns, run an isolated container with no network (reported as an event) instead of failing. */
  networkFallback?: 'none';
  /** Host ports forwarded into the container through slirp4netns (isolated network only; ignored otherwise). */
  ports?: readonly PortForward[];
  /**
   * Where the bundle (config.json: the process's environment) is written instead of
   * `<stateRoot>/bundles`: a tmpfs when that environment holds a build secret, so it never reaches a disk.
   */
  bundlesDir?: string;
  /** Keep the mount points runc had to create in the rootfs (by default they are removed after the run). */
  keepMountStubs?: boolean;
  onEvent?: (event: RuntimeEvent) => void;
}

export type RuntimeEvent =
  | { type: 'network-fallback'; id: string; network: NetworkMode; reason: string }
  | { type: 'network-ready'; id: string; pid: number }
  | { type: 'exited'; id: string; exitCode: number; signal?: string };

export interface RunResult {
  /** The process's exit code; 128 + n when it was killed by signal n (as docker reports). */
  exitCode: number;
  /** Set when runc itself was killed by a signal. */
  signal?: string;
}

/** What a run holds that the cleanup must release. */
interface Session {
  handoff?: PidHandoff;
  networkSetup?: Promise<void>;
  slirp?: Slirp4netns;
  stubs?: MountStubs;
}

/**
 * Runs `opts.spec` in a new container with `runc run` and resolves with its exit status once it
 * has exited. For the isolated network, runc pauses in a createRuntime hook (hook.ts) while
 * slirp4netns attaches to the new network namespace. Whatever happens, the container, its runc
 * state, slirp4netns, the bundle directory and the mount stubs are gone when this settles.
 */
export async function runContainer(opts: RunOptions): Promise<RunResult> {
  opts.signal?.throwIfAborted();
  const id = checkContainerId(opts.id ?? newContainerId());
  const runc: RuncOptions = { stateRoot: opts.stateRoot, runcPath: await findRunc(opts.runcPath) };
  let network = opts.spec.network;
  let slirpBinary: string | undefined;
  if (network === 'isolated') {
    const given = opts.slirp4netnsPath;
    slirpBinary = given === undefined ? await findExecutable('slirp4netns') : (await isExecutable(given)) ? given : undefined;
    if (slirpBinary === undefined) {
      if (opts.networkFallback !== 'none') throw missingSlirp4netns();
      network = 'none';
      opts.onEvent?.({ type: 'network-fallback', id, network, reason: 'slirp4netns is not installed' });
    }
  }
  await checkSystemMountpoints(opts.spec.rootfs);
  await makeDirs(runcStateDir(opts.stateRoot), 0o700);
  const bundle = await createBundleDir(opts.stateRoot, id, opts.bundlesDir);
  const session: Session = {};
  try {
    const spec: ContainerSpec = { ...opts.spec, network, etcFiles: await writeEtcFiles(bundle, opts.spec, network) };
    spec.extraMaskedPaths = [...(spec.extraMaskedPaths ?? []), ...(await thermalThrottlePaths())];
    const ceiling = await nofileCeiling();
    if (ceiling !== undefined) spec.nofile = Math.min(spec.nofile ?? DEFAULT_NOFILE, ceiling);
    if (network === 'isolated') session.handoff = await listenForContainerPid(bundle);
    const bound = spec.privileged ? await capabilityBound() : undefined;
    const config = buildRuntimeSpec(spec, {
      ...(session.handoff ? { hooks: { createRuntime: [session.handoff.hook] } } : {}),
      ...(bound !== undefined ? { capabilityBound: bound } : {}),
    });
    if (!opts.keepMountStubs) session.stubs = await recordMountStubs(spec.rootfs, containerMounts(spec).map((m) => m.destination));
    await writeConfig(bundle, config);
    const result = await supervise(opts, runc, id, bundle, session, slirpBinary);
    opts.onEvent?.({ type: 'exited', id, ...result });
    return result;
  } finally {
    await session.handoff?.close();
    await session.networkSetup;
    await session.slirp?.stop();
    await deleteContainer(runc, id, true).catch(() => {});
    await session.stubs?.cleanup();
    await rm(bundle, { recursive: true, force: true });
  }
}

function forward(from: Readable | null, to: Writable | undefined): void {
  if (!from) return;
  if (!to) {
    from.resume();
    return;
  }
  from.pipe(to, { end: false });
  // A failing destination must not stall the container on a full pipe: drop the rest instead.
  to.once('error', () => {
    from.unpipe(to);
    from.resume();
  });
}

async function supervise(opts: RunOptions, runc: RuncOptions, id: string, bundle: string, session: Session, slirpBinary?: string): Promise<RunResult> {
  const logPath = `${bundle}/runc.log`;
  opts.signal?.throwIfAborted();
  const runcArgs = (flags: string[]): string[] => ['--root', runcStateDir(runc.stateRoot), '--log', logPath, '--log-format', 'json', 'run', ...flags, '--bundle', bundle, id];
  const terminal = opts.spec.terminal === true;
  // A terminal goes through the console shim (console-shim.ts): runc alone would need one of its own.
  const [command, ...args] = terminal ? (await consoleShim(bundle, runc.runcPath!, runcArgs)).command : [runc.runcPath!, ...runcArgs([])];
  const stdio: StdioOptions = [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(terminal ? [opts.resize ? 'pipe' as const : 'ignore' as const] : [])];
  const child = spawn(command!, args, { stdio });
  let exited = false;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (e) => reject(new BerthError('RUNTIME', `cannot run ${runc.runcPath}: ${e.message}`, { cause: e })));
    child.once('exit', () => (exited = true));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  forward(child.stdout, opts.stdout);
  let shimErrors = '';
  if (terminal) child.stderr?.setEncoding('utf8').on('data', (s: string) => (shimErrors += s));
  else forward(child.stderr, opts.stderr);
  const resizeTo = child.stdio[3];
  if (opts.resize && resizeTo && 'write' in resizeTo) {
    resizeTo.on('error', () => {});
    opts.resize.pipe(resizeTo);
  }
  if (opts.stdin && child.stdin) {
    child.stdin.on('error', () => {}); // the process may exit without reading its input
    opts.stdin.pipe(child.stdin);
  }

  let aborted = false;
  let networkError: unknown;
  const handoff = session.handoff;
  if (handoff) {
    session.networkSetup = handoff.pid
      .then(async (pid) => {
        const ports = opts.ports ?? [];
        // The API socket sits next to hook.sock, whose path length listenForContainerPid checked.
        const apiSocket = ports.length > 0 ? path.join(bundle, 'slirp.sock') : undefined;
        session.slirp = await startSlirp4netns(slirpBinary!, pid, apiSocket !== undefined ? { apiSocket } : {});
        for (const fwd of ports) await addHostForward(apiSocket!, fwd);
        if (!aborted) opts.onEvent?.({ type: 'network-ready', id, pid });
        handoff.release(!aborted);
      })
      .catch((e: unknown) => {
        if (!exited && !aborted) networkError ??= e;
        handoff.release(false);
      });
  }
  const onAbort = (): void => {
    aborted = true;
    handoff?.release(false);
    void killUntilGone(runc, id, child, () => exited);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  let status;
  try {
    status = await closed;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (opts.stdin && child.stdin) opts.stdin.unpipe(child.stdin);
    if (opts.resize && resizeTo && 'write' in resizeTo) opts.resize.unpipe(resizeTo);
  }
  if (aborted) throw opts.signal?.reason ?? new BerthError('RUNTIME', 'the container was aborted');
  if (networkError !== undefined) throw networkError;
  const runcErrors = await readRuncErrors(logPath);
  if (runcErrors.length > 0) throw new BerthError('RUNTIME', runcErrors.join('; '));
  if (shimErrors.trim() !== '') throw new BerthError('RUNTIME', `the terminal of container ${id} failed: ${shimErrors.trim()}`);
  if (status.signal) return { exitCode: 128 + (osConstants.signals[status.signal] ?? 0), signal: status.signal };
  return { exitCode: status.code ?? 1 };
}

/** Kills the container until runc reports it gone; if runc never created it, kills runc itself. */
async function killUntilGone(runc: RuncOptions, id: string, child: ChildProcess, isExited: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!isExited()) {
    await execRunc(runc, ['kill', id, 'KILL']).catch(() => undefined);
    if (isExited()) return;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      return;
    }
    await delay(50);
  }
}

/** runc's own failures (it could not create or start the container), from its JSON log. */
async function readRuncErrors(logPath: string): Promise<string[]> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if ((entry.level === 'error' || entry.level === 'fatal') && entry.msg) out.push(entry.msg);
    } catch {
      // not JSON: ignore
    }
  }
  return out;
}
