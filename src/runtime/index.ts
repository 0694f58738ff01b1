// The runtime module's public API: container specs with docker's defaults, USER resolution, and runc-backed runs.

export { execInContainer, type ExecOptions } from './exec.ts';
export { runContainer, type RunOptions, type RunResult, type RuntimeEvent } from './runc.ts';
export {
  containerExists,
  containerState,
  deleteContainer,
  killContainer,
  listContainers,
  runcStateDir,
  runcVersion,
  type ContainerState,
  type RuncOptions,
} from './runc-cli.ts';
export { buildRuntimeSpec, checkContainerPath, containerMounts, HOST_GATEWAY, type ContainerSpec, type EtcFiles, type HostEntry, type ExtraMount, type NetworkMode } from './spec.ts';
export { newContainerId } from './bundle.ts';
export { parseGroup, parsePasswd, resolveUser, resolveUserIn, type GroupEntry, type PasswdEntry, type ResolvedUser } from './user.ts';
export { readFileInRoot, resolveInRoot, type RootPath } from './root-path.ts';
export { addHostForward, findExecutable, hostGatewayIp, hostsFor, resolvConfFor, SLIRP_ADDRESS, SLIRP_DNS, SLIRP_GATEWAY, type PortForward } from './network.ts';
export { CAPABILITY_NUMBERS, DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS } from './defaults.ts';
export { defaultSeccompProfile } from './seccomp.ts';
export type { RuntimeSpec } from './runtime-spec.ts';
