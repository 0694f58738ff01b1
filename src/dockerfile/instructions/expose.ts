// EXPOSE port[/proto] ...
import { base, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseExpose: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1);
  return { kind: 'expose', ...base(node), ports: [...node.args] };
};
