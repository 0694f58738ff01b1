// LABEL key=value ...
import { base, flagsOf, type KeywordParser } from './contract.ts';
import { keyValues } from './key-values.ts';

export const parseLabel: KeywordParser = (node) => {
  flagsOf(node, {});
  return { kind: 'label', ...base(node), pairs: keyValues(node) };
};
