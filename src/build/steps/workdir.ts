// WORKDIR: sets the working directory and creates it, as BuildKit does: an absolute path is kept as
// written, a relative one joined to the current directory; missing directories are made as the
// current USER; the step is a layer (empty when the directory was there) unless the path is `/`.
import path from 'node:path';
import type { WorkdirInstruction } from '../../dockerfile/instructions/index.ts';
import { runFsStep } from '../fs-step.ts';
import { workdirHistory } from '../history.ts';
import { mkdirInRoot } from '../scoped-path.ts';
import { resolveChown } from '../user-lookup.ts';
import type { FsStepPlan, StepContext, StepInput } from './execute.ts';

export function workdirStep(ctx: StepContext, input: StepInput): FsStepPlan {
  const inst = input.inst as WorkdirInstruction;
  const cfg = input.state.config.config;
  const expanded = ctx.vars.expand(inst.path, cfg);
  const dir = expanded.startsWith('/') ? expanded : path.posix.join('/', cfg?.WorkingDir || '/', expanded);
  const user = cfg?.User ?? '';
  return {
    keyParts: [dir, user],
    run: async () => {
      if (dir === '/') return { layer: null, createdBy: workdirHistory(dir) };
      const layer = await runFsStep(ctx.deps.store, input.state, async (root) => {
        await mkdirInRoot(root, dir, 0o755, user ? await resolveChown(root, user) : undefined);
      }, { alwaysLayer: true });
      return { layer, createdBy: workdirHistory(dir) };
    },
  };
}
