// ONBUILD triggers recorded in a base image, parsed back into instructions to run in the child.
import { convertInstruction, type Instruction } from '../dockerfile/instructions/index.ts';
import { parseDockerfile } from '../dockerfile/syntax/index.ts';
import type { PlanStage } from '../plan/index.ts';
import { BerthError } from '../util/errors.ts';

export function parseTriggers(triggers: readonly string[], stage: PlanStage): Instruction[] {
  return triggers.map((text) => {
    const { tree, diagnostics } = parseDockerfile(text);
    const node = tree.instructions[0];
    const err = diagnostics.find((d) => d.severity === 'error');
    if (!node || err) {
      throw new BerthError('BUILD_FAILED', `the base image's ONBUILD trigger "${text}" is invalid: ${err?.message ?? 'empty'}`, { range: stage.from.range });
    }
    const inst = convertInstruction(node);
    // Triggers are reported at the FROM line that fired them.
    return { ...inst, range: stage.from.range };
  });
}
