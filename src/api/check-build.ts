// `berth build --check`: read and plan a Dockerfile without running it; report the stages and steps
// that would run, and every warning (errors are thrown, each positioned in the Dockerfile).
import { readIgnoreFile, walkContext } from '../context/index.ts';
import { loadDockerfile } from '../plan/index.ts';
import type { Instruction } from '../dockerfile/instructions/index.ts';
import { readDockerfile } from './read-dockerfile.ts';

export { readDockerfile };

export interface CheckBuildOptions {
  /** The build context directory. */
  contextDir: string;
  /** Path of the Dockerfile (default `<contextDir>/Dockerfile`), or '-' when `dockerfileText` came from stdin. */
  dockerfile?: string | undefined;
  /** The Dockerfile's text when it was not read from a file (`-f -`). */
  dockerfileText?: string | undefined;
  /** `--build-arg` values; undefined means "named but unset in the environment". */
  buildArgs?: Record<string, string | undefined>;
  /** `--target`: the stage to plan for (default: the last stage). */
  target?: string | undefined;
}

export interface CheckStep { line: number; text: string }

export interface CheckStage {
  index: number;
  name?: string;
  base: string;
  /** False for stages the target does not need: they are never built. */
  willBuild: boolean;
  steps: CheckStep[];
}

export interface CheckReport {
  file: string;
  /** The .dockerignore in force (if any) and how many context entries a build would see. */
  context: { ignoreFile: string | undefined; entries: number } | undefined;
  stages: CheckStage[];
  target: string;
  warnings: Array<{ file: string; line: number; column: number; message: string }>;
}

function describeStep(inst: Instruction): CheckStep {
  return { line: inst.range.start.line, text: inst.original };
}

export async function checkBuild(options: CheckBuildOptions): Promise<CheckReport> {
  const { file, text } = await readDockerfile(options);
  const display = file;
  const { plan, warnings } = loadDockerfile(text, { file: display, buildArgs: options.buildArgs ?? {}, target: options.target });
  const needed = new Set(plan.order);
  let context: CheckReport['context'];
  if (options.dockerfile !== '-' && options.dockerfileText === undefined) {
    // The ignore file is checked like the Dockerfile: a bad pattern is an error naming its line.
    const ignore = await readIgnoreFile(options.contextDir, options.dockerfile);
    const entries = await walkContext(options.contextDir, ignore.rules);
    context = { ignoreFile: ignore.source === 'none' ? undefined : ignore.path, entries: entries.length };
  }
  return {
    file: display,
    context,
    target: plan.target.name ?? String(plan.target.index),
    stages: plan.stages.map((s) => ({
      index: s.index,
      ...(s.name !== undefined ? { name: s.name } : {}),
      base: s.base.kind === 'stage' ? `stage ${plan.stages[s.base.index]!.name ?? s.base.index}` : s.baseName,
      willBuild: needed.has(s.index),
      steps: [describeStep(s.from), ...s.steps.map(describeStep)],
    })),
    warnings: warnings.map((w) => ({ file: display, line: w.range?.start.line ?? 0, column: w.range?.start.column ?? 0, message: w.message })),
  };
}
