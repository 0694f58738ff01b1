// Public surface of the build engine.
export { runEngine, type EngineDeps, type EngineRequest, type StageBase, type StageResult } from './engine.ts';
export { finalizeImage, type FinalizeOptions, type LayerCompressionOptions } from './finalize-image.ts';
export type { BuildEvent, BuildState, ContainerRun, ContainerRunner, CopyRequest, ImageResolver, LayerRef, ResolvedImage } from './types.ts';
export { cacheMountsDir, pruneCacheDirs } from './run-mounts/cache-dirs.ts';
export { MAX_SECRET_BYTES } from './run-mounts/secrets-dir.ts';
export type { Entitlement } from './run-entitlements.ts';
