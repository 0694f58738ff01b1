// ContainerSpec → OCI runtime-spec config.json with docker's isolation defaults (namespaces, capabilities, masked paths, devices, seccomp).

import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import { allCapabilities, DEFAULT_CAPABILITIES, DEFAULT_NOFILE, DEVICE_RULES, MASKED_PATHS, READONLY_PATHS, STANDARD_MOUNTS } from './defaults.ts';
import type { HostEntry } from './host-entry.ts';
import type { RuntimeHooks, RuntimeMount, RuntimeNamespace, RuntimeSpec } from './runtime-spec.ts';
import { defaultSeccompProfile } from './seccomp.ts';

/** isolated: own network namespace reaching out through slirp4netns; host: the host's; none: loopback only. */
export type NetworkMode = 'isolated' | 'host' | 'none';

export type ExtraMount =
  | { type: 'bind'; source: string; destination: string; readonly?: boolean; /** e.g. noexec for a secret file */ options?: string[] }
  | { type: 'tmpfs'; destination: string; /** bytes */ size?: number; mode?: number };

export { HOST_GATEWAY, type HostEntry } from './host-entry.ts';

/** Host files bound read-only over the container's /etc/resolv.conf, /etc/hosts and /etc/hostname. */
export interface EtcFiles {
  resolvConf?: string;
  hosts?: string;
  hostname?: string;
}

export interface ContainerSpec {
  args: string[];
  env: string[];
  /** Absolute. runc creates it (root-owned) when missing; creating WORKDIR properly is the build's job. */
  cwd: string;
  user: { uid: number; gid: number; additionalGids?: number[] };
  /** Host path of the root filesystem (e.g. an overlay mount's merged dir). */
  rootfs: string;
  readonlyRootfs?: boolean;
  hostname: string;
  network: NetworkMode;
  mounts?: ExtraMount[];
  etcFiles?: EtcFiles;
  /** `--add-host` lines of the generated /etc/hosts; `extraHostsLast` puts them after the hostname's (BuildKit's order). */
  extraHosts?: HostEntry[];
  extraHostsLast?: boolean;
  terminal?: boolean;
  /** The terminal's initial size (with `terminal`), set before the process starts so its first look at it is right. */
  consoleSize?: { height: number; width: number };
  /** 'default' (berth's docker-like filter, see seccomp.ts) unless 'unconfined'. */
  seccomp?: 'default' | 'unconfined';
  /** RLIMIT_NOFILE (soft and hard); docker's 1048576 by default. */
  nofile?: number;
  /** More paths to mask, e.g. the host's /sys/devices/system/cpu/cpu*\/thermal_throttle as newer docker does. */
  extraMaskedPaths?: string[];
  /**
   * BuildKit's `security.insecure` (RUN --security=insecure): every capability, no seccomp, nothing
   * masked or read-only in /proc, a writable /sys and cgroupfs, and every device allowed by the cgroup.
   */
  privileged?: boolean;
}

export interface RuntimeSpecExtras {
  /** The capability bounding set of the calling process (CapBnd), which limits a privileged container's set. */
  capabilityBound?: bigint;
  hooks?: RuntimeHooks;
  /** cgroup path for runc (cgroupfs driver); runc's default ("/<id>") when absent. */
  cgroupsPath?: string;
}

/** A container path: absolute, no NUL, no `..` (an image must not steer a mount or cwd with them). */
export function checkContainerPath(p: string, what: string): string {
  if (!p.startsWith('/')) throw new BerthError('INVALID_ARGUMENT', `${what} '${p}' must be an absolute path`);
  if (p.includes('\0')) throw new BerthError('UNSAFE_PATH', `${what} '${p}' contains a NUL byte`);
  if (p.split('/').includes('..')) throw new BerthError('UNSAFE_PATH', `${what} '${p}' has a '..' component`);
  return path.posix.normalize(p);
}

function checkId(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 2) throw new BerthError('INVALID_ARGUMENT', `${what} ${n} is not a valid id`);
  return n;
}

function extraMount(m: ExtraMount): RuntimeMount {
  const destination = checkContainerPath(m.destination, 'mount destination');
  if (m.type === 'bind') {
    if (!path.isAbsolute(m.source)) throw new BerthError('INVALID_ARGUMENT', `bind mount source '${m.source}' must be an absolute host path`);
    return { destination, type: 'bind', source: m.source, options: ['rbind', 'rprivate', m.readonly ? 'ro' : 'rw', ...(m.options ?? [])] };
  }
  const options = ['nosuid', 'nodev'];
  if (m.size !== undefined) options.push(`size=${m.size}`);
  if (m.mode !== undefined) options.push(`mode=${m.mode.toString(8)}`);
  return { destination, type: 'tmpfs', source: 'tmpfs', options };
}

function etcMounts(files: EtcFiles | undefined): RuntimeMount[] {
  const out: RuntimeMount[] = [];
  const bind = (source: string | undefined, destination: string): void => {
    if (source === undefined) return;
    if (!path.isAbsolute(source)) throw new BerthError('INVALID_ARGUMENT', `${destination} source '${source}' must be an absolute host path`);
    out.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', 'ro', 'nosuid', 'nodev', 'noexec'] });
  };
  bind(files?.resolvConf, '/etc/resolv.conf');
  bind(files?.hosts, '/etc/hosts');
  bind(files?.hostname, '/etc/hostname');
  return out;
}

/** Every mount of the container, standard ones first: runc mounts in this order. */
export function containerMounts(spec: Pick<ContainerSpec, 'mounts' | 'etcFiles' | 'privileged'>): RuntimeMount[] {
  const standard = STANDARD_MOUNTS.map((m) => {
    // Privileged: /sys and the cgroup tree writable, as BuildKit's insecure mode mounts them.
    const writable = spec.privileged && (m.type === 'sysfs' || m.type === 'cgroup');
    return { ...m, options: writable ? m.options.filter((o) => o !== 'ro') : [...m.options] };
  });
  return [...standard, ...etcMounts(spec.etcFiles), ...(spec.mounts ?? []).map(extraMount)];
}

/** The config.json runc gets for `spec`. Pure: no I/O. */
export function buildRuntimeSpec(spec: ContainerSpec, extras: RuntimeSpecExtras = {}): RuntimeSpec {
  if (spec.args.length === 0) throw new BerthError('INVALID_ARGUMENT', 'a container needs a command to run');
  if (!path.isAbsolute(spec.rootfs)) throw new BerthError('INVALID_ARGUMENT', `rootfs '${spec.rootfs}' must be an absolute host path`);
  for (const e of spec.env) {
    if (!e.includes('=') || e.includes('\0')) throw new BerthError('INVALID_ARGUMENT', `environment entry '${e}' is not NAME=value`);
  }
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/.test(spec.hostname)) {
    throw new BerthError('INVALID_ARGUMENT', `invalid hostname '${spec.hostname}'`);
  }
  const namespaces: RuntimeNamespace[] = [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }];
  if (spec.network !== 'host') namespaces.push({ type: 'network' });
  const uid = checkId(spec.user.uid, 'uid');
  const gid = checkId(spec.user.gid, 'gid');
  const additionalGids = (spec.user.additionalGids ?? []).map((g) => checkId(g, 'gid'));
  const caps = spec.privileged ? allCapabilities(extras.capabilityBound) : [...DEFAULT_CAPABILITIES];
  const nofile = spec.nofile ?? DEFAULT_NOFILE;
  if (!Number.isInteger(nofile) || nofile < 1) throw new BerthError('INVALID_ARGUMENT', `invalid open-files limit ${nofile}`);

  const config: RuntimeSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: spec.terminal ?? false,
      ...(spec.terminal && spec.consoleSize ? { consoleSize: { ...spec.consoleSize } } : {}),
      user: { uid, gid, additionalGids },
      args: [...spec.args],
      env: [...spec.env],
      cwd: checkContainerPath(spec.cwd, 'working directory'),
      // Inheritable and ambient stay empty (CVE-2022-24769).
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps], inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }],
      // Like docker: setuid binaries in the image (sudo, su) keep working.
      noNewPrivileges: false,
    },
    root: { path: spec.rootfs, readonly: spec.readonlyRootfs ?? false },
    hostname: spec.hostname,
    mounts: containerMounts(spec),
    linux: {
      namespaces,
      maskedPaths: spec.privileged ? [] : [...MASKED_PATHS, ...(spec.extraMaskedPaths ?? []).map((p) => checkContainerPath(p, 'masked path'))],
      readonlyPaths: spec.privileged ? [] : [...READONLY_PATHS],
      resources: { devices: spec.privileged ? [{ allow: true, access: 'rwm' }] : DEVICE_RULES.map((d) => ({ ...d })) },
    },
  };
  if (extras.cgroupsPath !== undefined) config.linux.cgroupsPath = extras.cgroupsPath;
  if ((spec.seccomp ?? 'default') === 'default' && !spec.privileged) config.linux.seccomp = defaultSeccompProfile();
  if (extras.hooks) config.hooks = extras.hooks;
  return config;
}
