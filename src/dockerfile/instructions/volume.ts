// VOLUME path ... (or a JSON list)
import { base, fail, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseVolume: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1);
  // Docker trims each path (`VOLUME [" /data "]` is /data) and rejects blank ones.
  const paths = node.args.map((p) => p.trim());
  if (paths.some((p) => p === '')) fail(node, 'VOLUME specified can not be an empty string');
  return { kind: 'volume', ...base(node), paths };
};
