// Syntax tree → typed instructions, collecting every error (each positioned) rather than stopping at the first.
import { BerthError } from '../../util/errors.ts';
import type { DockerfileTree, InstructionNode } from '../syntax/index.ts';
import type { ParseContext } from './contract.ts';
import { InstructionError } from './instruction-error.ts';
import { KEYWORD_PARSERS } from './registry.ts';
import { suggest } from './suggest.ts';
import type { Instruction } from './types.ts';

export interface ConvertResult {
  instructions: Instruction[];
  errors: BerthError[];
}

const context: ParseContext = { convert: convertInstruction };

/** Converts one node; throws an InstructionError for an invalid one. */
export function convertInstruction(node: InstructionNode): Instruction {
  const parser = KEYWORD_PARSERS[node.name];
  if (!parser) {
    const guess = suggest(node.keyword, Object.keys(KEYWORD_PARSERS));
    throw new InstructionError('DOCKERFILE_INSTRUCTION',
      `unknown instruction: ${node.keyword}${guess ? ` (did you mean ${guess}?)` : ''}`, node.keywordRange);
  }
  return parser(node, context);
}

export function convertTree(tree: DockerfileTree): ConvertResult {
  const instructions: Instruction[] = [];
  const errors: BerthError[] = [];
  for (const node of tree.instructions) {
    try {
      instructions.push(convertInstruction(node));
    } catch (e) {
      if (e instanceof BerthError) errors.push(e);
      else throw e;
    }
  }
  return { instructions, errors };
}
