// CMD command (exec or shell form)
import { base, commandOf, flagsOf, type KeywordParser } from './contract.ts';

export const parseCmd: KeywordParser = (node) => {
  flagsOf(node, {});
  return { kind: 'cmd', ...base(node), command: commandOf(node) };
};
