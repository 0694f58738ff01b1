// WORKDIR path
import { base, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseWorkdir: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1, 1);
  return { kind: 'workdir', ...base(node), path: node.args[0]! };
};
