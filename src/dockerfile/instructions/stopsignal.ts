// STOPSIGNAL signal (name or number)
import { base, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseStopsignal: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1, 1);
  return { kind: 'stopsignal', ...base(node), signal: node.args[0]! };
};
