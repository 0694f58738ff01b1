// One step: its cache key, a cache hit (when its layers are still stored), or running it and
// recording the result. Metadata steps change the config; RUN/COPY/ADD/WORKDIR may add a layer.
import type { Instruction } from '../../dockerfile/instructions/index.ts';
import type { HistoryEntry } from '../../oci/index.ts';
import type { PlanStage } from '../../plan/index.ts';
import type { CacheIndex } from '../../cache/index.ts';
import { applyMetadata, METADATA_KINDS, type ApplyContext } from '../apply-metadata.ts';
import { stepKey } from '../cache-key.ts';
import type { CacheRecord, EngineDeps, EngineRequest, StageResult } from '../engine.ts';
import { HISTORY_COMMENT } from '../history.ts';
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
  /** `reused`: the layer came from the cache without running (a COPY --link rebased onto a new parent). */
  run(): Promise<{ layer: LayerRef | null; createdBy: string; reused?: boolean }>;
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

/**
 * A cache hit's state: the current chain's state with the cached step's own history entry (and layer)
 * on top. Not the cached state whole: what came before may read differently in this build (an ARG's
 * history line records the value it took, which the keys leave out).
 */
function replayCached(input: StepInput, cached: BuildState, meta: BuildState | undefined, by: string | null, apply: ApplyContext): BuildState {
  const own = cached.config.history?.at(-1);
  if (meta && by === null) return meta; // a step without a history entry (ONBUILD)
  if (!own) return cached;
  if (meta) return withHistory(meta, { ...own, created_by: by! }, null);
  const base = structuredClone(input.state);
  if (input.inst.kind === 'workdir') applyMetadata(base.config, input.inst, apply);
  return withHistory(base, own, own.empty_layer ? null : cached.layers.at(-1) ?? null);
}

export async function executeStep(ctx: StepContext, input: StepInput): Promise<{ state: BuildState; key: string; cached: boolean }> {
  const { inst, state } = input;
  const cfg = state.config.config;
  // BuildKit's history line of a metadata step (null: none, as for ONBUILD).
  let by: string | null = inst.kind === 'arg' ? ctx.vars.applyArg(inst, cfg) : null;
  // Expansion sees ENV and ARG values (the later one winning); CMD/ENTRYPOINT follow the stage's state.
  const apply: ApplyContext = { escapeToken: ctx.req.plan.escapeToken, lookup: ctx.vars.lookup(cfg), stage: ctx.vars.stage, buildkit: true };

  let fs: FsStepPlan | undefined;
  if (inst.kind === 'run') fs = await runStep(ctx, input);
  else if (inst.kind === 'copy' || inst.kind === 'add') fs = await copyStep(ctx, input);
  else if (inst.kind === 'workdir') fs = workdirStep(ctx, input);

  // A metadata step's effect is computed up front (it is cheap): it is what its key depends on.
  let meta: BuildState | undefined;
  if (!fs) {
    meta = structuredClone(state);
    if (METADATA_KINDS.has(inst.kind)) {
      const envKeys = inst.kind === 'env' ? inst.pairs.map((p) => ctx.vars.expand(p.key, cfg)) : [];
      by = applyMetadata(meta.config, inst, apply);
      ctx.vars.envSet(envKeys);
    }
  }
  // The key holds what the step's result depends on: a filesystem step's own inputs (expanded paths,
  // RUN's environment with every ARG value in it), a metadata step's effect on the config. ARG
  // values as such are not in it: like BuildKit, a changed --build-arg misses the cache at the first
  // step that uses it (any RUN sees all ARGs), not at its ARG line, and not at a COPY that ignores it.
  const effect = meta ? [meta.config.config ?? null, meta.config.author ?? null] : fs!.keyParts;
  const key = stepKey(input.key, inst.kind, inst.original, cfg?.Env ?? [], effect);
  if (!ctx.req.noCache) {
    const hit = await input.cache.get(key);
    if (hit && (await layersStored(ctx, hit.state))) {
      // A cached WORKDIR/metadata step still changes the variables nothing else records.
      return { state: replayCached(input, hit.state, meta, by, apply), key, cached: true };
    }
  }

  const created = new Date().toISOString();
  let next: BuildState;
  let reused = false;
  if (fs) {
    const metaApplied = structuredClone(state);
    if (inst.kind === 'workdir') applyMetadata(metaApplied.config, inst, apply);
    const { layer, createdBy: by, reused: wasReused } = await fs.run();
    reused = wasReused === true;
    next = withHistory(metaApplied, { created, created_by: by, comment: HISTORY_COMMENT, ...(layer ? {} : { empty_layer: true }) }, layer);
  } else {
    next = meta!;
    if (by !== null) next = withHistory(next, { created, created_by: by, comment: HISTORY_COMMENT, empty_layer: true }, null);
  }
  await input.cache.put(key, { state: next });
  return { state: next, key, cached: reused };
}
