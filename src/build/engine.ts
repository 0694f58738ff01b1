// The build engine: walks the plan's stages (independent ones concurrently), runs each step or takes
// it from the cache, and returns the target stage's final state. Emits events; never prints.
import type { Instruction } from '../dockerfile/instructions/index.ts';
import { parseReference, sha256Of, type ImageConfig } from '../oci/index.ts';
import { platformArgs, type BuildPlan, type PlanStage } from '../plan/index.ts';
import type { Store } from '../store/index.ts';
import { BerthError, isBerthError } from '../util/errors.ts';
import { stepKey } from './cache-key.ts';
import { locatedAt } from './located.ts';
import { parseTriggers } from './onbuild.ts';
import type { Entitlement } from './run-entitlements.ts';
import { StageVars } from './stage-vars.ts';
import { executeStep, type StepContext } from './steps/execute.ts';
import type { BuildEvent, BuildState, ContainerRunner, CopyRequest, ImageResolver } from './types.ts';
import { CacheIndex } from '../cache/index.ts';
import path from 'node:path';
import type { HostEntry } from '../runtime/index.ts';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface EngineDeps {
  store: Store;
  resolveImage: ImageResolver;
  runContainer: ContainerRunner;
  copyFiles(req: CopyRequest): Promise<void>;
  /** Checksum of what a COPY/ADD reads (content and metadata, not mtimes), for its cache key. */
  checksum(req: CopyRequest): Promise<string>;
  /** RUN --mount=type=bind from the context: the checksum of `source` (for the key), a copy of it (ignored files left out) at `dest`. */
  contextMount: { checksum(source: string): Promise<string>; copy(source: string, dest: string): Promise<void> };
  emit(event: BuildEvent): void;
}

export interface EngineRequest {
  plan: BuildPlan;
  noCache: boolean;
  network: 'default' | 'none' | 'host';
  signal?: AbortSignal;
  /** `--secret` values by id: mounted for a step, never in a key, a layer or an event. */
  secrets?: ReadonlyMap<string, Buffer>;
  /** `--ssh` agent sockets by id. */
  ssh?: ReadonlyMap<string, string>;
  /** `--allow` entitlements. */
  allow?: ReadonlySet<Entitlement>;
  /** `--add-host` entries of every RUN step's /etc/hosts (part of the steps' keys). */
  extraHosts?: readonly HostEntry[];
}

export interface StageResult {
  state: BuildState;
  key: string;
  /** The stage's variables at its end (a stage built FROM it starts with its ARGs). */
  vars?: StageVars;
  /** What the stage started from, for what happens after the build (--squash, SOURCE_DATE_EPOCH). */
  base?: StageBase;
}

/**
 * A stage's starting point: its base's layer and history counts and ID (docker's squash parent),
 * and how many of those came from an image rather than from this build (BuildKit never rewrites those).
 */
export interface StageBase {
  layers: number;
  history: number;
  /** The base image's ID (a stage base: the digest its config would have); none for scratch. */
  id: string | undefined;
  imageLayers: number;
  imageHistory: number;
}

/** The cache record of one step: what it added and when (so a cached rebuild is byte-identical). */
export interface CacheRecord {
  state: BuildState;
}

function scratchState(plan: BuildPlan): BuildState {
  const p = plan.targetPlatform;
  return {
    config: { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}), config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] },
    layers: [],
  };
}

/** The fields of BuildKit's image config (moby/docker-image-spec DockerOCIImageConfig); a base image's others (Hostname, Tty...) are not carried over. */
const CONFIG_FIELDS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'OnBuild', 'StopTimeout', 'Shell'] as const;

/** Go's omitempty: what encoding/json leaves out. */
function isZero(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === false || v === 0
    || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

/**
 * A base image's config as BuildKit carries it into a build: only the OCI image fields (no docker
 * `container_config`, `docker_version`, `comment`...), the container config reduced to the fields
 * BuildKit knows, zero values left out (Go's omitempty).
 */
function asBuildkitImage(img: ImageConfig): ImageConfig {
  const out: ImageConfig = { architecture: img.architecture, os: img.os, rootfs: img.rootfs };
  if (img['os.version']) out['os.version'] = img['os.version'];
  if (img['os.features']?.length) out['os.features'] = img['os.features'];
  if (img.variant) out.variant = img.variant;
  if (img.created) out.created = img.created;
  if (img.author) out.author = img.author;
  const cfg: Record<string, unknown> = {};
  const from = (img.config ?? {}) as Record<string, unknown>;
  for (const k of CONFIG_FIELDS) if (!isZero(from[k])) cfg[k] = from[k];
  out.config = cfg;
  if (img.history) out.history = img.history;
  return out;
}

function clone(state: BuildState): BuildState {
  return structuredClone(state);
}

/** The base as BuildKit shows it: normalized, with a tag only when one was written. */
function shownBase(name: string): string {
  try {
    const ref = parseReference(name);
    return ref.tagExplicit || ref.digest ? ref.toString() : ref.name;
  } catch {
    return name;
  }
}

export async function runEngine(deps: EngineDeps, request: EngineRequest): Promise<StageResult> {
  // A failing stage cancels the others, as in BuildKit: every step sees this signal, which also
  // carries the caller's (Ctrl-C).
  const cancel = new AbortController();
  const outer = request.signal;
  const forward = (): void => cancel.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  const req: EngineRequest = { ...request, signal: cancel.signal };
  let firstError: unknown;
  const { plan } = req;
  const cache = new CacheIndex<CacheRecord>(path.join(deps.store.layout.root, 'cache', 'steps'), deps.store.layout.tmpDir);
  const predefined = platformArgs(plan.buildPlatform, plan.targetPlatform);
  const results = new Map<number, Promise<StageResult>>();
  // BuildKit's step labels: `[build 2/4]` for a named stage, `[stage-1 2/4]` for an unnamed one of
  // several, `[2/4]` when there is one stage. The FROM is step 1.
  const stageName = (s: PlanStage): string => s.name ?? (plan.stages.length > 1 ? `stage-${s.index}` : '');

  const buildStage = async (stage: PlanStage): Promise<StageResult> => {
    // Every stage runs as soon as its base is built; a step reading another stage (COPY --from,
    // RUN --mount from=) waits for that stage there, so independent work overlaps.
    const deps2 = new Map<number, StageResult>();
    const need = async (index: number): Promise<void> => {
      if (!deps2.has(index)) deps2.set(index, await results.get(index)!);
    };
    if (stage.base.kind === 'stage') await need(stage.base.index);
    let state: BuildState;
    let key: string;
    let base: StageBase;
    if (stage.base.kind === 'scratch') {
      state = scratchState(plan);
      key = stepKey('scratch', plan.targetPlatform);
      base = { layers: 0, history: 0, id: undefined, imageLayers: 0, imageHistory: 0 };
    } else if (stage.base.kind === 'stage') {
      const from = deps2.get(stage.base.index)!;
      state = clone(from.state);
      key = from.key;
      base = {
        layers: state.layers.length, history: state.config.history?.length ?? 0, id: sha256Of(Buffer.from(JSON.stringify(state.config))),
        imageLayers: from.base?.imageLayers ?? 0, imageHistory: from.base?.imageHistory ?? 0,
      };
    } else {
      const img = await deps.resolveImage(stage.baseName).catch((e: unknown) => { throw locatedAt(e, stage.from.range); });
      state = { config: asBuildkitImage(structuredClone(img.config)), layers: img.layers };
      key = stepKey('image', img.id);
      const history = img.config.history?.length ?? 0;
      base = { layers: img.layers.length, history, id: img.id, imageLayers: img.layers.length, imageHistory: history };
    }
    const cfg = (state.config.config ??= {});
    if (!(cfg.Env ?? []).some((e) => e.startsWith('PATH='))) cfg.Env = [DEFAULT_PATH, ...(cfg.Env ?? [])];
    // ONBUILD triggers of the base run first, then are cleared from the child's config.
    const triggers = stage.base.kind === 'image' ? [...(cfg.OnBuild ?? [])] : [];
    if (cfg.OnBuild) cfg.OnBuild = null;

    const vars = new StageVars(plan.escapeToken, plan.globalArgs, plan.buildArgs, predefined);
    if (stage.base.kind === 'stage') {
      const baseVars = deps2.get(stage.base.index)!.vars;
      if (baseVars) vars.inherit(baseVars);
    }
    const ctx: StepContext = { deps, req, vars, stage, results: deps2 };
    const steps: Array<{ inst: Instruction; stepIndex: number }> = [
      ...parseTriggers(triggers, stage).map((inst) => ({ inst, stepIndex: -1 })),
      ...stage.steps.map((inst, stepIndex) => ({ inst, stepIndex })),
    ];
    if (stage.base.kind === 'image') {
      // The base came from the store: nothing to do for it, as BuildKit's CACHED FROM of a local image
      // (under --no-cache BuildKit resolves it again and shows it DONE).
      const id = `${stage.index}/from`;
      deps.emit({ type: 'step-start', id, stage: stageName(stage), index: 1, total: steps.length + 1, text: `FROM ${shownBase(stage.baseName)}` });
      if (!req.noCache) deps.emit({ type: 'step-cached', id });
      deps.emit({ type: 'step-done', id, ms: 0 });
    }
    for (const [i, { inst, stepIndex }] of steps.entries()) {
      if (req.signal?.aborted) throw new BerthError('INTERRUPTED', 'the build was interrupted');
      for (const ref of stepIndex >= 0 ? stage.sources.get(stepIndex) ?? [] : []) if (ref.kind === 'stage') await need(ref.index);
      const id = `${stage.index}/${i}`;
      deps.emit({ type: 'step-start', id, stage: stageName(stage), index: i + 2, total: steps.length + 1, text: inst.original });
      const started = Date.now();
      const result = await executeStep(ctx, { id, inst, stepIndex, state, key, cache }).catch((e: unknown) => {
        if (!(isBerthError(e) && e.code === 'INTERRUPTED')) deps.emit({ type: 'step-error', id, message: e instanceof Error ? e.message : String(e) });
        throw locatedAt(e, stepIndex >= 0 ? inst.range : undefined); // a trigger has no line in this Dockerfile
      });
      state = result.state;
      key = result.key;
      if (result.cached) deps.emit({ type: 'step-cached', id });
      deps.emit({ type: 'step-done', id, ms: Date.now() - started });
    }
    return { state, key, vars, base };
  };

  for (const index of plan.order) {
    const stage = plan.stages[index]!;
    const p = buildStage(stage);
    p.catch((e: unknown) => {
      firstError ??= e;
      cancel.abort(new BerthError('INTERRUPTED', 'canceled: another stage of the build failed'));
    });
    results.set(index, p);
  }
  // Every stage settles (a canceled step has removed its container and mounts) before the first error is reported.
  await Promise.allSettled(plan.order.map((i) => results.get(i)!));
  outer?.removeEventListener('abort', forward);
  if (firstError !== undefined) throw firstError;
  return results.get(plan.target.index)!;
}

export type { ImageConfig };
