// USER user[:group] or uid[:gid]
import { base, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseUser: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1, 1);
  return { kind: 'user', ...base(node), user: node.args[0]! };
};
