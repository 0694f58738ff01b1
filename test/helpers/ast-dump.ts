// Prints a syntax tree in BuildKit's parser test dump format (see the conformance README).
import type { DockerfileTree, InstructionNode } from '../../src/dockerfile/syntax/index.ts';
import { goQuote } from './go-quote.ts';

function dumpInstruction(node: InstructionNode): string {
  let s = node.name;
  if (node.flags.length > 0) s += ' [' + node.flags.map((f) => goQuote(f.text)).join(' ') + ']';
  if (node.child) s += ' (' + dumpInstruction(node.child) + ')';
  for (const a of node.args) s += ' ' + goQuote(a);
  return s.trim();
}

export function dumpTree(tree: DockerfileTree): string {
  return tree.instructions.map((n) => '(' + dumpInstruction(n) + ')').join('\n') + '\n';
}
