// ENTRYPOINT command (exec or shell form)
import { base, commandOf, flagsOf, type KeywordParser } from './contract.ts';

export const parseEntrypoint: KeywordParser = (node) => {
  flagsOf(node, {});
  return { kind: 'entrypoint', ...base(node), command: commandOf(node) };
};
