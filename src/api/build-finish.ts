// The parts of `berth build` about the image's platform and compression: FROM --platform checked
// against the host, a base image of another platform warned about (BuildKit's InvalidBaseImagePlatform),
// and the layer compression from --compression or an `-o …,compression=` output option.
import type { BuildEvent, LayerCompressionOptions, ResolvedImage } from '../build/index.ts';
import type { OutputSpec } from '../exporters/build-output.ts';
import { checkStagePlatform, formatPlatform, hostPlatform, samePlatform, type BuildPlan } from '../plan/index.ts';
import { BerthError } from '../util/errors.ts';

/** Every stage the target needs must be for the host's platform (a FROM --platform that asks otherwise is refused). */
export function checkPlatforms(plan: BuildPlan): void {
  for (const i of plan.order) {
    const stage = plan.stages[i]!;
    if (stage.from.platform !== undefined) checkStagePlatform(stage.platform, stage.from.range);
  }
}

/** Passes the image on, warning when its platform is not the host's (it will still be used, as BuildKit does). */
export function warnForeignBase(ref: string, img: ResolvedImage, emit: (e: BuildEvent) => void): ResolvedImage {
  const { os, architecture, variant } = img.config;
  if (!os || !architecture) return img;
  const actual = { os, architecture, variant };
  const host = hostPlatform();
  if (!samePlatform(actual, host)) {
    emit({ type: 'warning', message: `InvalidBaseImagePlatform: Base image ${ref} was pulled with platform "${formatPlatform(actual)}", expected "${formatPlatform(host)}" for current build` });
  }
  return img;
}

/** --compression, or the compression options of the `-o` outputs (they must agree: the stored image is the one exported). */
export function layerCompressionOf(flag: LayerCompressionOptions | undefined, outputs: readonly OutputSpec[]): LayerCompressionOptions | undefined {
  let chosen = flag;
  let from = '--compression';
  for (const o of outputs) {
    if (!o.compression) continue;
    if (chosen && (chosen.type !== o.compression.type || (o.compression.level !== undefined && chosen.level !== o.compression.level))) {
      throw new BerthError('INVALID_ARGUMENT', `conflicting layer compressions: ${from} asks for ${chosen.type}, an output for ${o.compression.type}`, {
        hint: 'berth stores one image per build: give the same compression everywhere',
      });
    }
    chosen = { ...o.compression, force: (chosen?.force ?? false) || (o.compression.force ?? false) };
    from = `-o type=${o.type}`;
  }
  return chosen;
}
