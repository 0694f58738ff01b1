// One step: its cache key, a cache hit (when its layers are still stored), or running it and
// recording the result. Metadata steps change the config; RUN/COPY/ADD/WORKDIR may add a layer.
import type { Instruction } from '../../dockerfile/instructions/index.ts';
import type { HistoryEntry } from '../../oci/index.ts';
import type { PlanStage } from '../../plan/index.ts';
import type { CacheIndex } from '../../cache/index.ts';
import { applyMetadata, METADATA_KINDS } from '../apply-metadata.ts';
import { stepKey } from '../cache-key.ts';
import type { CacheRecord, EngineDeps, EngineRequest, StageResult } from '../engine.ts';
import { createdBy, HISTORY_COMMENT } from '../history.ts';
import type { StageVars } from '../stage-vars.ts';
import type { BuildState, LayerRef } from '../types.ts';
import { copyStep } from './copy.ts';
import { runStep } from './run.ts';
import { workdirStep } from './workdir.ts';

export interface StepContext {
  deps: EngineDeps;
  req: EngineRequest;
  vars: StageVars;
  stage: PlanStage;
  /** Results of the stages this one reads (base, COPY --from, mounts). */
  results: ReadonlyMap<number, StageResult>;
}

export interface StepInput {
  id: string;
  inst: Instruction;
  /** Index in stage.steps (-1 for ONBUILD triggers). */
  stepIndex: number;
  state: BuildState;
  key: string;
  cache: CacheIndex<CacheRecord>;
}

/** What a filesystem step does, once its key is known: the layer (or none) and how history names it. */
export interface FsStepPlan {
  keyParts: unknown[];
  run(): Promise<{ layer: LayerRef | null; createdBy: string }>;
}

async function layersStored(ctx: StepContext, state: BuildState): Promise<boolean> {
  for (const l of state.layers) if (!(await ctx.deps.store.blobs.has(l.digest))) return false;
  return true;
}

function withHistory(state: BuildState, entry: HistoryEntry, layer: LayerRef | null): BuildState {
  const next: BuildState = structuredClone(state);
  next.config.history = [...(next.config.history ?? []), entry];
  next.config.created = entry.created;
  if (layer) {
    next.layers = [...next.layers, layer];
    next.config.rootfs = { type: 'layers', diff_ids: [...next.config.rootfs.diff_ids, layer.diffId as never] };
  }
  return next;
}

export async function executeStep(ctx: StepContext, input: StepInput): Promise<{ state: BuildState; key: string; cached: boolean }> {
  const { inst, state } = input;
  const cfg = state.config.config;
  if (inst.kind === 'arg') ctx.vars.applyArg(inst, cfg);

  let fs: FsStepPlan | undefined;
  if (inst.kind === 'run') fs = runStep(ctx, input);
  else if (inst.kind === 'copy' || inst.kind === 'add') fs = await copyStep(ctx, input);
  else if (inst.kind === 'workdir') fs = workdirStep(ctx, input);

  const key = stepKey(input.key, inst.kind, inst.original, ctx.vars.snapshot(), cfg?.Env ?? [], fs?.keyParts ?? []);
  if (!ctx.req.noCache) {
    const hit = await input.cache.get(key);
    if (hit && (await layersStored(ctx, hit.state))) {
      // A cached WORKDIR/metadata step still changes the variables nothing else records.
      return { state: hit.state, key, cached: true };
    }
  }

  const created = new Date().toISOString();
  let next: BuildState;
  if (fs) {
    const metaApplied = structuredClone(state);
    if (inst.kind === 'workdir') applyMetadata(metaApplied.config, inst, { escapeToken: ctx.req.plan.escapeToken, args: (n) => ctx.vars.args.get(n) });
    const { layer, createdBy: by } = await fs.run();
    next = withHistory(metaApplied, { created, created_by: by, comment: HISTORY_COMMENT, ...(layer ? {} : { empty_layer: true }) }, layer);
  } else {
    next = structuredClone(state);
    if (METADATA_KINDS.has(inst.kind)) {
      applyMetadata(next.config, inst, { escapeToken: ctx.req.plan.escapeToken, args: (n) => ctx.vars.args.get(n) });
    }
    const by = createdBy(inst, next.config.config ?? {});
    next = withHistory(next, { created, created_by: by, comment: HISTORY_COMMENT, empty_layer: true }, null);
  }
  await input.cache.put(key, { state: next });
  return { state: next, key, cached: false };
}
