// The public library facade: string references and paths in, typed results out; the CLI's only way in.
export { version } from './version.ts';
export { checkBuild } from './check-build.ts';
export type { CheckBuildOptions, CheckReport } from './check-build.ts';
export { BerthError, BerthErrors, isBerthError } from '../util/errors.ts';
export type { ErrorCode, Position, SourceRange } from '../util/errors.ts';
export { importImage, listImages, tagImage, removeImages, imageHistory, inspectImages } from './images.ts';
export type { ImportOptions, ImageSummary, RemoveResult, HistoryRow } from './images.ts';
export { systemCheck, pruneImages, type PruneResult } from './maintenance.ts';
export { pruneBuildCache, type BuildCachePruneResult } from './build-cache.ts';
export type { CheckProblem } from '../store/index.ts';
export { saveImages, saveImagesToFile, loadImages, type LoadedImage } from './archive.ts';
export { diskUsage, type UsageRow } from './disk-usage.ts';
export { buildImage, type BuildImageOptions, type BuildImageResult } from './build-image.ts';
export { contextFromStream, type StdinContext } from './stdin-context.ts';
export { contextFromUrl, type RemoteContext } from './remote-context.ts';
export { isRemoteContext } from './remote-url.ts';
export { parseAddHost } from './add-host.ts';
export type { BuildEvent } from '../build/index.ts';
export { pullImage, pullAllTags, type PullImageOptions, type PullImageResult } from './registry-pull.ts';
export { pushImage, type PushImageOptions, type PushedTag } from './registry-push.ts';
export type { RegistryEvent } from '../registry/index.ts';
export { runContainer, attachContainer, execContainer, resizeContainer, type RunContainerOptions, type StartedContainer, type AttachIO, type ExecContainerOptions } from './container-run.ts';
export {
  listContainers, inspectContainers, stopContainers, killContainers, removeContainers, startContainers, pruneContainers, containerLogs, superviseContainerProcess,
  type ContainerSummary, type ListContainersOptions, type LogsOptions,
} from './containers.ts';
export { inspectObjects, type InspectType } from './inspect.ts';
export { login, logout, hasStoredLogin, type LoginOptions, type LoginResult } from './registry-login.ts';
