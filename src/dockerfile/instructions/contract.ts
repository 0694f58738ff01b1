// The contract every keyword module implements: a syntax node in, a validated typed instruction out.
import type { SourceRange } from '../../util/errors.ts';
import type { InstructionNode } from '../syntax/index.ts';
import { parseFlags, type FlagSpec, type FlagValues } from './flags.ts';
import { InstructionError } from './instruction-error.ts';
import type { Command, Instruction } from './types.ts';

export interface ParseContext {
  /** Converts a nested node (ONBUILD's trigger). */
  convert(node: InstructionNode): Instruction;
}

export type KeywordParser = (node: InstructionNode, ctx: ParseContext) => Instruction;

export function base(node: InstructionNode): { range: SourceRange; original: string } {
  return { range: node.range, original: node.original };
}

export function upper(node: InstructionNode): string {
  return node.name.toUpperCase();
}

export function flagsOf(node: InstructionNode, spec: FlagSpec): FlagValues {
  return parseFlags(upper(node), node.flags, spec);
}

export function fail(node: InstructionNode, message: string, hint?: string): never {
  throw new InstructionError('DOCKERFILE_INSTRUCTION', message, node.range, hint);
}

export function requireArgs(node: InstructionNode, min: number, max = Infinity, what = 'argument'): void {
  const n = node.args.length;
  if (n < min || n > max) {
    const want = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    fail(node, `${upper(node)} requires ${want} ${what}${min === 1 && max === 1 ? '' : 's'}, but got ${n}`);
  }
}

/** CMD/ENTRYPOINT/RUN/HEALTHCHECK commands: exec form when JSON, shell form otherwise. */
export function commandOf(node: InstructionNode, args: readonly string[] = node.args): Command {
  if (node.json) return { form: 'exec', args: [...args] };
  return { form: 'shell', script: args.join(' ') };
}
