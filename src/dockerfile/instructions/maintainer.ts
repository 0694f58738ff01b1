// MAINTAINER name (deprecated in favour of LABEL, still honoured)
import { base, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseMaintainer: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1, 1);
  return { kind: 'maintainer', ...base(node), name: node.args[0]! };
};
