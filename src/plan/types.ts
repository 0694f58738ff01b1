// The build plan: stages with their resolved bases and dependencies, the target, and the stages it needs.
import type { SourceRange } from '../util/errors.ts';
import type { FromInstruction, Instruction } from '../dockerfile/instructions/index.ts';
import type { EscapeToken } from '../dockerfile/syntax/index.ts';
import type { Platform } from './platform.ts';

export type StageBase =
  | { kind: 'scratch' }
  | { kind: 'stage'; index: number }
  | { kind: 'image'; ref: string };

/** Where a `COPY --from` or `RUN --mount from=` reads: an earlier stage or an image. */
export type SourceRef = { kind: 'stage'; index: number } | { kind: 'image'; ref: string };

export interface PlanStage {
  index: number;
  name: string | undefined;
  from: FromInstruction;
  /** The FROM image reference with variables expanded. */
  baseName: string;
  base: StageBase;
  platform: Platform;
  /** The instructions after FROM, in order. */
  steps: Instruction[];
  /** Every stage this one needs (its base and every --from/mount source), ascending. */
  dependsOn: number[];
  /** Images read by COPY --from / RUN --mount from= (not the base). */
  sourceImages: string[];
  /** Resolved sources of the steps that read another stage or image, by step index. */
  sources: Map<number, SourceRef[]>;
}

export interface PlanWarning {
  code: string;
  message: string;
  range: SourceRange | undefined;
}

export interface BuildPlan {
  file: string;
  escapeToken: EscapeToken;
  stages: PlanStage[];
  target: PlanStage;
  /** The stages the target needs, itself included, in an order where dependencies come first. */
  order: number[];
  /** ARGs declared before the first FROM, with their values for this build. */
  globalArgs: Map<string, string | undefined>;
  /** The --build-arg values given for this build. */
  buildArgs: Map<string, string | undefined>;
  buildPlatform: Platform;
  targetPlatform: Platform;
  warnings: PlanWarning[];
}

export interface PlanOptions {
  /** Name shown in messages, e.g. "Dockerfile". */
  file?: string;
  buildArgs?: Record<string, string | undefined> | Map<string, string | undefined>;
  target?: string;
  platform?: Platform;
  /**
   * `--build-context` names: FROM, COPY --from and RUN --mount from= naming one read it (as an
   * image the build's resolver provides) before any stage of that name, as BuildKit does.
   */
  namedContexts?: ReadonlySet<string>;
}
