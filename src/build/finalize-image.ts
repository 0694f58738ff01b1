// What happens to a built image after its last step and before it is stored: --squash (the final
// stage's own layers merged into one, docker's legacy builder), SOURCE_DATE_EPOCH (created times,
// clamped file times as BuildKit's rewrite-timestamp), --platform, and the layers' compression.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CacheIndex } from '../cache/index.ts';
import { extractLayer, type OutputCompression } from '../layer/index.ts';
import { layerCompression, sha256Of } from '../oci/index.ts';
import { epochTimestamp, type Platform } from '../plan/index.ts';
import { convertLayer, type Store } from '../store/index.ts';
import type { StageBase, StageResult } from './engine.ts';
import { runFsStep } from './fs-step.ts';
import type { BuildState, LayerRef } from './types.ts';

export interface LayerCompressionOptions {
  type: OutputCompression;
  level?: number | undefined;
  /** Recompress layers already compressed another way too (BuildKit's force-compression). */
  force?: boolean | undefined;
}

export interface FinalizeOptions {
  epoch?: number | undefined;
  /** Clamp file times of the layers this build made to the epoch (default true; BuildKit's rewrite-timestamp). */
  rewriteTimestamp?: boolean | undefined;
  squash?: boolean | undefined;
  compression?: LayerCompressionOptions | undefined;
  /** The platform asked for with --platform (the image then says so, as BuildKit writes it). */
  platform?: Platform | undefined;
}

const NO_BASE: StageBase = { layers: 0, history: 0, id: undefined, imageLayers: 0, imageHistory: 0 };

/**
 * docker's squash: the parent's layers stay, everything above becomes one layer (the overlay upper
 * dir of the parent with the layers applied in order: a file added then deleted leaves no trace, a
 * parent file deleted leaves a whiteout), the squashed steps' history entries become empty and one
 * entry names the merge.
 */
async function squash(store: Store, state: BuildState, base: StageBase, created: string): Promise<BuildState> {
  const unsquashedId = sha256Of(Buffer.from(JSON.stringify(state.config)));
  const parent: BuildState = { config: state.config, layers: state.layers.slice(0, base.layers) };
  const above = state.layers.slice(base.layers);
  const layer = await runFsStep(store, parent, async (root) => {
    for (const l of above) await extractLayer(store.blobs.openRead(l.digest), root, { mode: 'apply' });
  }, { alwaysLayer: true });
  const history = (state.config.history ?? []).map((h, i) => (i >= base.history ? { ...h, empty_layer: true } : h));
  history.push({ created, comment: base.id ? `merge ${unsquashedId} to ${base.id}` : `create new from ${unsquashedId}` });
  const layers = [...parent.layers, layer!];
  return { config: { ...state.config, created, history, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId as never) } }, layers };
}

interface Conversion {
  clampEpoch: number | undefined;
  compression: OutputCompression;
}

/** What must happen to one layer, or undefined when it stays as it is. */
function conversionFor(layer: LayerRef, clamp: boolean, opts: FinalizeOptions): Conversion | undefined {
  const current = layerCompression(layer.mediaType) ?? 'none';
  let target: OutputCompression = current;
  const want = opts.compression;
  if (want && (current === 'none' || (want.force && current !== want.type))) target = want.type;
  const clampEpoch = clamp ? opts.epoch : undefined;
  if (clampEpoch === undefined && target === current) return undefined;
  return { clampEpoch, compression: target };
}

/** Converted layers are remembered by input and options: a rebuild that changes nothing converts nothing. */
async function convert(store: Store, memo: CacheIndex<LayerRef>, layer: LayerRef, conv: Conversion, level: number | undefined): Promise<LayerRef> {
  const key = createHash('sha256').update(JSON.stringify([layer.digest, conv.clampEpoch ?? null, conv.compression, level ?? null])).digest('hex');
  const known = await memo.get(key);
  if (known && (await store.blobs.has(known.digest))) return known;
  const out = await convertLayer(store.blobs, layer.digest, { clampEpoch: conv.clampEpoch, compression: conv.compression, level });
  const ref: LayerRef = { diffId: out.diffId, digest: out.digest, size: out.size, diffSize: out.diffSize, mediaType: out.mediaType };
  await memo.put(key, ref);
  return ref;
}

export async function finalizeImage(store: Store, result: StageResult, opts: FinalizeOptions): Promise<BuildState> {
  const base = result.base ?? NO_BASE;
  const created = opts.epoch !== undefined ? epochTimestamp(opts.epoch) : new Date().toISOString();
  let state = structuredClone(result.state);
  if (opts.squash) state = await squash(store, state, base, created);
  if (opts.epoch !== undefined) {
    // BuildKit: the image and every history entry this build wrote say the epoch; the base image's stay.
    state.config.created = created;
    state.config.history = (state.config.history ?? []).map((h, i) => (i >= base.imageHistory ? { ...h, created } : h));
  }
  if (opts.platform) {
    // As BuildKit does for an explicit --platform: the image names it (the variant too when it has one).
    const p = opts.platform;
    const sameOsArch = state.config.os === p.os && state.config.architecture === p.architecture;
    state.config.os = p.os;
    state.config.architecture = p.architecture;
    if (p.variant || !sameOsArch) {
      if (p.variant) state.config.variant = p.variant;
      else delete state.config.variant;
    }
  }
  const memo = new CacheIndex<LayerRef>(path.join(store.layout.root, 'cache', 'converted-layers'), store.layout.tmpDir);
  const layers: LayerRef[] = [];
  for (const [i, layer] of state.layers.entries()) {
    const conv = conversionFor(layer, opts.rewriteTimestamp !== false && i >= base.imageLayers, opts);
    layers.push(conv ? await convert(store, memo, layer, conv, opts.compression?.level) : layer);
  }
  state.layers = layers;
  state.config.rootfs = { type: 'layers', diff_ids: layers.map((l) => l.diffId as never) };
  return state;
}
