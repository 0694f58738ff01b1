// VOLUME path ... (or a JSON list)
import { base, fail, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseVolume: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1);
  if (node.args.some((p) => p.trim() === '')) fail(node, 'VOLUME specified can not be an empty string');
  return { kind: 'volume', ...base(node), paths: [...node.args] };
};
