// Public surface of the planner.
export { loadDockerfile, excerptOf, type LoadedDockerfile } from './load-dockerfile.ts';
export { planBuild } from './plan-build.ts';
export { StageEnv } from './stage-env.ts';
export { formatPlatform, hostPlatform, parsePlatform, platformArgs, PROXY_ARGS, type Platform } from './platform.ts';
export { epochTimestamp, parseSourceDateEpoch, sourceDateEpoch, SOURCE_DATE_EPOCH } from './source-date-epoch.ts';
export { checkStagePlatform, normalizePlatform, samePlatform, targetPlatform } from './target-platform.ts';
export type * from './types.ts';
