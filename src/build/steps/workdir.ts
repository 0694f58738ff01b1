// WORKDIR: sets the working directory and creates it (a layer only when it did not exist).
import path from 'node:path';
import type { WorkdirInstruction } from '../../dockerfile/instructions/index.ts';
import { runFsStep } from '../fs-step.ts';
import { mkdirInRoot } from '../scoped-path.ts';
import type { FsStepPlan, StepContext, StepInput } from './execute.ts';

export function workdirStep(ctx: StepContext, input: StepInput): FsStepPlan {
  const inst = input.inst as WorkdirInstruction;
  const cfg = input.state.config.config;
  const dir = path.posix.resolve('/', cfg?.WorkingDir || '/', ctx.vars.expand(inst.path, cfg));
  return {
    keyParts: [dir],
    run: async () => {
      const layer = await runFsStep(ctx.deps.store, input.state, async (root) => {
        await mkdirInRoot(root, dir);
      });
      return { layer, createdBy: `WORKDIR ${dir}` };
    },
  };
}
