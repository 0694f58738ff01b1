// The container module's public API: create, supervise, start, stop, kill, remove and read the logs of containers kept under the store root.
export { createContainer, type CreateOptions, type ImageForContainer } from './create.ts';
export { ContainerRecords, type ContainerRecord, type ContainerStatus } from './record.ts';
export { superviseContainer, portsOf, runcId, startFailureCode, INIT_BINARY } from './supervisor.ts';
export { startContainer, stopContainer, signalContainer, removeContainer, pruneContainers, waitStopped, normalizeSignal, type BerthCommand } from './lifecycle.ts';
export { streamLogs, parseTail, type LogOptions } from './logs.ts';
export type { LogEntry } from './json-log.ts';
export { composeCommand, composeEnv, parseEnvFile, parsePublish, parseVolume, resolveEnvEntries, formatPort } from './compose.ts';
export { checkName, newContainerId, randomName } from './names.ts';
