// The subset of the OCI runtime-spec (config.json, spec 1.0.2) that berth writes for runc.

export interface RuntimeSpec {
  ociVersion: string;
  process: RuntimeProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: RuntimeMount[];
  hooks?: RuntimeHooks;
  linux: RuntimeLinux;
}

export interface RuntimeProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: {
    bounding: string[];
    effective: string[];
    permitted: string[];
    inheritable: string[];
    ambient: string[];
  };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
}

export interface RuntimeMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface RuntimeHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface RuntimeHooks {
  /** Run in the runtime's namespaces once the container's namespaces exist, before pivot_root. */
  createRuntime?: RuntimeHook[];
}

export interface RuntimeNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';
  path?: string;
}

export interface RuntimeDeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';
}

export interface SeccompSyscall {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO' | 'SCMP_ACT_KILL' | 'SCMP_ACT_TRAP' | 'SCMP_ACT_LOG';
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface RuntimeSeccomp {
  defaultAction: SeccompSyscall['action'];
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: SeccompSyscall[];
}

export interface RuntimeLinux {
  namespaces: RuntimeNamespace[];
  maskedPaths: string[];
  readonlyPaths: string[];
  resources: { devices: RuntimeDeviceRule[] };
  cgroupsPath?: string;
  seccomp?: RuntimeSeccomp;
  sysctl?: Record<string, string>;
}
