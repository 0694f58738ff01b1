// The generated config.json: docker's namespaces, capabilities, masked paths, mounts, devices and limits; input validation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildRuntimeSpec,
  CAPABILITY_NUMBERS,
  DEFAULT_CAPABILITIES,
  defaultSeccompProfile,
  type ContainerSpec,
} from '../../src/runtime/index.ts';
import type { BerthError } from '../../src/util/errors.ts';

const base: ContainerSpec = {
  args: ['/bin/sh', '-c', 'true'],
  env: ['PATH=/bin'],
  cwd: '/work',
  user: { uid: 1000, gid: 1000, additionalGids: [1000, 2000] },
  rootfs: '/var/lib/berth/rootfs',
  hostname: 'box',
  network: 'isolated',
};

function rejects(spec: Partial<ContainerSpec>, code: string, pattern: RegExp): void {
  assert.throws(() => buildRuntimeSpec({ ...base, ...spec }), (e: BerthError) => e.code === code && pattern.test(e.message));
}

describe('buildRuntimeSpec', () => {
  it("grants docker's 14 capabilities, bitmask a80425fb, none inheritable or ambient", () => {
    const { capabilities } = buildRuntimeSpec(base).process;
    let mask = 0n;
    for (const c of capabilities.bounding) mask |= 1n << BigInt(CAPABILITY_NUMBERS[c]!);
    assert.equal(mask.toString(16).padStart(16, '0'), '00000000a80425fb');
    assert.equal(DEFAULT_CAPABILITIES.length, 14);
    assert.deepEqual(capabilities.effective, capabilities.bounding);
    assert.deepEqual(capabilities.permitted, capabilities.bounding);
    assert.deepEqual(capabilities.inheritable, []);
    assert.deepEqual(capabilities.ambient, []);
  });

  it('creates pid, mount, uts, ipc and network namespaces (no cgroup namespace); host network drops only network', () => {
    const types = (s: ContainerSpec): string[] => buildRuntimeSpec(s).linux.namespaces.map((n) => n.type).sort();
    assert.deepEqual(types(base), ['ipc', 'mount', 'network', 'pid', 'uts']);
    assert.deepEqual(types({ ...base, network: 'none' }), ['ipc', 'mount', 'network', 'pid', 'uts']);
    assert.deepEqual(types({ ...base, network: 'host' }), ['ipc', 'mount', 'pid', 'uts']);
  });

  it("masks and write-protects docker's /proc and /sys paths", () => {
    const { linux } = buildRuntimeSpec({ ...base, extraMaskedPaths: ['/sys/devices/system/cpu/cpu0/thermal_throttle'] });
    for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/proc/acpi']) {
      assert.ok(linux.maskedPaths.includes(p), p);
    }
    assert.ok(linux.maskedPaths.includes('/sys/devices/system/cpu/cpu0/thermal_throttle'));
    assert.deepEqual(linux.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
  });

  it('mounts the standard filesystems, then the /etc files read-only, then extra mounts', () => {
    const spec = buildRuntimeSpec({
      ...base,
      etcFiles: { resolvConf: '/b/resolv.conf', hosts: '/b/hosts', hostname: '/b/hostname' },
      mounts: [
        { type: 'bind', source: '/host/data', destination: '/data', readonly: true },
        { type: 'tmpfs', destination: '/scratch', size: 1048576, mode: 0o1777 },
      ],
    });
    assert.deepEqual(
      spec.mounts.map((m) => `${m.destination} ${m.type}`),
      [
        '/proc proc', '/dev tmpfs', '/dev/pts devpts', '/sys sysfs', '/sys/fs/cgroup cgroup', '/dev/mqueue mqueue', '/dev/shm tmpfs',
        '/etc/resolv.conf bind', '/etc/hosts bind', '/etc/hostname bind', '/data bind', '/scratch tmpfs',
      ],
    );
    const byDest = new Map(spec.mounts.map((m) => [m.destination, m]));
    assert.ok(byDest.get('/sys')!.options.includes('ro'));
    assert.ok(byDest.get('/sys/fs/cgroup')!.options.includes('ro'));
    assert.ok(byDest.get('/etc/hosts')!.options.includes('ro'));
    assert.equal(byDest.get('/etc/hosts')!.source, '/b/hosts');
    assert.deepEqual(byDest.get('/data')!.options, ['rbind', 'rprivate', 'ro']);
    assert.deepEqual(byDest.get('/scratch')!.options, ['nosuid', 'nodev', 'size=1048576', 'mode=1777']);
  });

  it('allows only the standard devices, and sets the process as docker does', () => {
    const spec = buildRuntimeSpec(base);
    assert.deepEqual(spec.linux.resources.devices[0], { allow: false, access: 'rwm' });
    assert.deepEqual(
      spec.linux.resources.devices.filter((d) => d.allow).map((d) => `${d.major}:${d.minor}`).sort(),
      ['1:3', '1:5', '1:8', '1:9', '5:0', '5:1'],
    );
    assert.equal(spec.process.noNewPrivileges, false);
    assert.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 1048576, soft: 1048576 }]);
    assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [1000, 2000] });
    assert.equal(spec.process.cwd, '/work');
    assert.equal(spec.process.terminal, false);
    assert.equal(spec.hostname, 'box');
    assert.deepEqual(spec.root, { path: '/var/lib/berth/rootfs', readonly: false });
    assert.equal(buildRuntimeSpec({ ...base, terminal: true, readonlyRootfs: true }).root.readonly, true);
  });

  it('adds the seccomp filter unless unconfined', () => {
    assert.equal(buildRuntimeSpec(base).linux.seccomp?.defaultAction, 'SCMP_ACT_ALLOW');
    assert.equal(buildRuntimeSpec({ ...base, seccomp: 'unconfined' }).linux.seccomp, undefined);
  });

  it('refuses relative or escaping paths, empty commands, bad env entries and hostnames', () => {
    rejects({ cwd: 'work' }, 'INVALID_ARGUMENT', /absolute/);
    rejects({ cwd: '/a/../../etc' }, 'UNSAFE_PATH', /'\.\.'/);
    rejects({ args: [] }, 'INVALID_ARGUMENT', /command/);
    rejects({ env: ['NOEQUALS'] }, 'INVALID_ARGUMENT', /NAME=value/);
    rejects({ hostname: 'bad host' }, 'INVALID_ARGUMENT', /hostname/);
    rejects({ rootfs: 'relative' }, 'INVALID_ARGUMENT', /rootfs/);
    rejects({ mounts: [{ type: 'tmpfs', destination: '/x/../../y' }] }, 'UNSAFE_PATH', /mount destination/);
    rejects({ mounts: [{ type: 'bind', source: 'rel', destination: '/y' }] }, 'INVALID_ARGUMENT', /source/);
    rejects({ user: { uid: -1, gid: 0 } }, 'INVALID_ARGUMENT', /uid/);
  });
});

describe('defaultSeccompProfile', () => {
  it('refuses namespace, mount, keyring, module and BPF syscalls with EPERM, clone3 with ENOSYS', () => {
    const profile = defaultSeccompProfile('x64');
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    const denied = profile.syscalls.find((s) => s.args === undefined && s.errnoRet === 1)!;
    for (const name of ['unshare', 'setns', 'mount', 'umount2', 'keyctl', 'add_key', 'init_module', 'bpf', 'open_by_handle_at', 'io_uring_setup']) {
      assert.ok(denied.names.includes(name), name);
    }
    const cloneMask = profile.syscalls
      .filter((s) => s.names[0] === 'clone')
      .reduce((m, s) => m | s.args![0]!.value, 0);
    assert.equal(cloneMask, 0x7e020000);
    assert.deepEqual(profile.syscalls.find((s) => s.names[0] === 'clone3'), { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    assert.equal(defaultSeccompProfile('s390x').syscalls.find((s) => s.names[0] === 'clone')!.args![0]!.index, 1);
  });
});

describe('buildRuntimeSpec, privileged (RUN --security=insecure)', () => {
  it('every capability berth holds, nothing masked or read-only, no seccomp, writable /sys, every device', () => {
    const bound = (1n << 41n) - 1n - (1n << 24n); // all but CAP_SYS_RESOURCE
    const config = buildRuntimeSpec({ ...base, privileged: true }, { capabilityBound: bound });
    const caps = config.process.capabilities.bounding;
    assert.equal(caps.length, 40);
    assert.ok(caps.includes('CAP_SYS_ADMIN') && caps.includes('CAP_CHECKPOINT_RESTORE') && !caps.includes('CAP_SYS_RESOURCE'));
    assert.deepEqual(config.process.capabilities.inheritable, []);
    assert.deepEqual([config.linux.maskedPaths, config.linux.readonlyPaths], [[], []]);
    assert.equal(config.linux.seccomp, undefined);
    assert.deepEqual(config.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    for (const t of ['sysfs', 'cgroup']) assert.ok(!config.mounts.find((m) => m.type === t)!.options!.includes('ro'), `${t} is read-only`);
    const plain = buildRuntimeSpec(base);
    assert.ok(plain.mounts.find((m) => m.type === 'sysfs')!.options!.includes('ro'));
    assert.ok(plain.linux.seccomp !== undefined);
  });
});
