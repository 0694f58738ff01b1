// Shared helpers for the runtime tests: a busybox rootfs, a state root, running a command and collecting its output, leftover checks.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { listContainers, runContainer, type ContainerSpec, type RunOptions, type RunResult } from '../../src/runtime/index.ts';

export const BUSYBOX = '/bin/busybox';

/** Why the real-runc tests cannot run here, or undefined when they can. */
export function runcUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (runc creates namespaces and mounts)';
  if (!existsSync(BUSYBOX)) return `needs ${BUSYBOX} (apt-get install busybox-static)`;
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'needs runc on PATH';
  }
  return undefined;
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'alice:x:1000:1000:Alice:/home/alice:/bin/sh',
  'bob:x:1001:1001::/home/bob:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n');

export const GROUP = ['root:x:0:', 'alice:x:1000:', 'bob:x:1001:', 'devs:x:2000:alice,bob', 'ops:x:3000:alice', 'nogroup:x:65534:', ''].join('\n');

/** A rootfs with a static busybox and its applets as symlinks in /bin, plus /etc/passwd and /etc/group. */
export async function makeBusyboxRootfs(dir: string): Promise<string> {
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await mkdir(path.join(dir, 'etc'));
  await copyFile(BUSYBOX, path.join(dir, 'bin', 'busybox'));
  await chmod(path.join(dir, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a !== '' && a !== 'busybox');
  await Promise.all(applets.map((a) => symlink('busybox', path.join(dir, 'bin', a))));
  await writeFile(path.join(dir, 'etc', 'passwd'), PASSWD);
  await writeFile(path.join(dir, 'etc', 'group'), GROUP);
  return dir;
}

export interface Fixture {
  work: string;
  rootfs: string;
  stateRoot: string;
  /** A container id with this file's prefix, so leftovers can be told apart from other test files'. */
  id(): string;
  prefix: string;
}

export async function makeFixture(label: string): Promise<Fixture> {
  const work = await mkdtemp(path.join(tmpdir(), `berth-rt-${label}-`));
  const rootfs = await makeBusyboxRootfs(path.join(work, 'rootfs'));
  const prefix = `berth-t${label}-${randomBytes(3).toString('hex')}`;
  return { work, rootfs, stateRoot: path.join(work, 'state'), prefix, id: () => `${prefix}-${randomBytes(6).toString('hex')}` };
}

export function baseSpec(rootfs: string, script: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    args: ['/bin/sh', '-c', script],
    env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [0] },
    rootfs,
    hostname: 'berth-test',
    network: 'none',
    ...extra,
  };
}

/** A Writable that keeps what it is given, with the time each chunk arrived. */
export class Capture extends Writable {
  readonly chunks: { at: number; text: string }[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push({ at: Date.now(), text: chunk.toString('utf8') });
    done();
  }
  get text(): string {
    return this.chunks.map((c) => c.text).join('');
  }
}

export interface Ran extends RunResult {
  stdout: string;
  stderr: string;
}

/** Runs `script` with /bin/sh -c in the fixture's rootfs and collects its output. */
export async function run(fx: Fixture, script: string, extra: Partial<ContainerSpec> = {}, opts: Partial<RunOptions> = {}): Promise<Ran> {
  const stdout = new Capture();
  const stderr = new Capture();
  const result = await runContainer({ stateRoot: fx.stateRoot, id: fx.id(), spec: baseSpec(fx.rootfs, script, extra), stdout, stderr, ...opts });
  return { ...result, stdout: stdout.text, stderr: stderr.text };
}

/** slirp4netns processes whose parent is this process. */
export function ownSlirpProcesses(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      if (/^Name:\s*slirp4netns$/m.test(status) && new RegExp(`^PPid:\\s*${process.pid}$`, 'm').test(status)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Asserts that no container, bundle, slirp4netns, mount or cgroup of this fixture is left. */
export async function assertNothingLeft(fx: Fixture): Promise<void> {
  assert.deepEqual(await listContainers({ stateRoot: fx.stateRoot }), [], 'runc still knows containers');
  assert.deepEqual(await readdir(path.join(fx.stateRoot, 'runc')).catch(() => []), [], 'runc state left');
  assert.deepEqual(await readdir(path.join(fx.stateRoot, 'bundles')).catch(() => []), [], 'bundle dirs left');
  assert.deepEqual(ownSlirpProcesses(), [], 'slirp4netns still running');
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  assert.deepEqual(mountinfo.split('\n').filter((l) => l.includes(fx.work)), [], 'mounts left');
  const cgroups = readdirSync('/sys/fs/cgroup').flatMap((ctrl) => {
    try {
      return readdirSync(path.join('/sys/fs/cgroup', ctrl)).filter((n) => n.startsWith(fx.prefix));
    } catch {
      return [];
    }
  });
  assert.deepEqual(cgroups, [], 'cgroups left');
}

export async function removeFixture(fx: Fixture): Promise<void> {
  await rm(fx.work, { recursive: true, force: true });
}

/** The rootfs's top-level names, to check that nothing a run needed (mount points, /etc files) stayed behind. */
export async function rootfsTree(rootfs: string): Promise<string[]> {
  const top = await readdir(rootfs);
  const etc = await readdir(path.join(rootfs, 'etc')).catch(() => []);
  return [...top.sort(), ...etc.sort().map((n) => `etc/${n}`)];
}
