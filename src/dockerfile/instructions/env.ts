// ENV key=value ... (or the legacy ENV key value)
import { base, flagsOf, type KeywordParser } from './contract.ts';
import { keyValues } from './key-values.ts';

export const parseEnv: KeywordParser = (node) => {
  flagsOf(node, {});
  return { kind: 'env', ...base(node), pairs: keyValues(node) };
};
