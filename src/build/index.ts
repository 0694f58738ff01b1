// Public surface of the build engine.
export { runEngine, type EngineDeps, type EngineRequest, type StageResult } from './engine.ts';
export type { BuildEvent, BuildState, ContainerRun, ContainerRunner, CopyRequest, ImageResolver, LayerRef, ResolvedImage } from './types.ts';
