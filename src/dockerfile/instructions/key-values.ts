// The key/value triples the parser produces for ENV and LABEL, turned into pairs.
import type { InstructionNode } from '../syntax/index.ts';
import { fail, upper } from './contract.ts';
import type { KeyValue } from './types.ts';

export function keyValues(node: InstructionNode): KeyValue[] {
  if (node.args.length === 0) fail(node, `${upper(node)} requires at least one argument`, `write it as ${upper(node)} key=value`);
  const pairs: KeyValue[] = [];
  for (let i = 0; i < node.args.length; i += 3) {
    const key = node.args[i]!;
    if (key === '') fail(node, `${upper(node)} names can not be blank`);
    pairs.push({ key, value: node.args[i + 1] ?? '' });
  }
  return pairs;
}
