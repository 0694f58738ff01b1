// `berth build --check`: plan a Dockerfile without running it and report stages, steps and warnings.
import { BerthError } from '../util/errors.ts';

export interface CheckBuildOptions {
  /** The build context directory. */
  contextDir: string;
  /** Path of the Dockerfile (default `<contextDir>/Dockerfile`), or '-' when `dockerfileText` came from stdin. */
  dockerfile?: string;
  /** The Dockerfile's text when it was not read from a file (`-f -`). */
  dockerfileText?: string;
  /** `--build-arg` values; undefined means "named but unset in the environment". */
  buildArgs?: Record<string, string | undefined>;
  /** `--target`: the stage to plan for (default: the last stage). */
  target?: string;
}

export interface CheckReport {
  stages: Array<{ index: number; name?: string; base: string; steps: Array<{ line: number; text: string }> }>;
  target: string;
  warnings: Array<{ file: string; line: number; column: number; message: string }>;
}

export async function checkBuild(_options: CheckBuildOptions): Promise<CheckReport> {
  // Placeholder until the planner (src/plan) is wired in by its owner.
  throw new BerthError('NOT_IMPLEMENTED', 'berth build --check: the planner is not wired yet');
}
