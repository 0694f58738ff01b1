// A docker-like seccomp filter: the syscalls docker's default profile refuses to a container without extra capabilities, refused with EPERM.
//
// Docker's profile is an allow-list of ~400 syscalls; this is the matching deny-list, written from the
// list docker documents as blocked ("Significant syscalls blocked by the default profile"). The
// difference: a syscall newer than this list is allowed here and refused by docker. Everything on it
// either needs a capability berth never grants or opens a kernel surface containers have no use for
// (new namespaces, keyrings, the new mount API, io_uring, BPF, perf).

import type { RuntimeSeccomp, SeccompSyscall } from './runtime-spec.ts';

const EPERM = 1;
const ENOSYS = 38;

/** Refused outright (names unknown to the host's libseccomp are skipped by runc). */
const DENIED: readonly string[] = [
  // namespaces and mounts
  'unshare', 'setns', 'mount', 'umount', 'umount2', 'pivot_root', 'mount_setattr',
  'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount', 'open_tree',
  // kernel modules, kexec, reboot, swap, accounting, quotas
  'init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module',
  'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'acct', 'quotactl', 'quotactl_fd',
  // keyrings (not namespaced)
  'add_key', 'request_key', 'keyctl',
  // clocks (not namespaced)
  'clock_adjtime', 'clock_settime', 'clock_settime64', 'settimeofday', 'stime',
  // tracing, BPF, other processes' memory, file handles (open_by_handle_at is the "shocker" escape)
  'bpf', 'perf_event_open', 'lookup_dcookie', 'kcmp', 'process_vm_readv', 'process_vm_writev',
  'open_by_handle_at', 'name_to_handle_at', 'userfaultfd', 'fanotify_init',
  // io_uring bypasses seccomp for the operations it performs
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  // NUMA policy (docker allows these only with CAP_SYS_NICE)
  'get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages', 'migrate_pages',
  // obsolete or hardware access
  'nfsservctl', 'uselib', 'ustat', 'sysfs', '_sysctl', 'vm86', 'vm86old', 'ioperm', 'iopl', 'syslog',
  'vhangup', 'pciconfig_iobase', 'pciconfig_read', 'pciconfig_write',
];

/** clone() flags that create namespaces (0x7e020000): refused one by one, as docker does without CAP_SYS_ADMIN. */
const CLONE_NAMESPACE_FLAGS: readonly number[] = [
  0x00020000, // CLONE_NEWNS
  0x02000000, // CLONE_NEWCGROUP
  0x04000000, // CLONE_NEWUTS
  0x08000000, // CLONE_NEWIPC
  0x10000000, // CLONE_NEWUSER
  0x20000000, // CLONE_NEWPID
  0x40000000, // CLONE_NEWNET
];

/** Architectures whose syscalls the filter covers; other ABIs are refused by runc outright. */
function architectures(arch: string): string[] {
  switch (arch) {
    case 'x64':
      return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
    case 'arm64':
      return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
    default:
      return [];
  }
}

/** The filter for this host's architecture (`process.arch` by default). */
export function defaultSeccompProfile(arch: string = process.arch): RuntimeSeccomp {
  const syscalls: SeccompSyscall[] = [{ names: [...DENIED], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }];
  // s390x passes clone's flags second; everything else first.
  const flagsIndex = arch === 's390x' ? 1 : 0;
  for (const flag of CLONE_NAMESPACE_FLAGS) {
    syscalls.push({
      names: ['clone'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: EPERM,
      args: [{ index: flagsIndex, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
    });
  }
  // clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone (docker does the same).
  syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: architectures(arch), syscalls };
}
