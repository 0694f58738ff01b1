// SHELL ["executable", "parameters"] (JSON form only)
import { base, fail, flagsOf, type KeywordParser } from './contract.ts';

export const parseShell: KeywordParser = (node) => {
  flagsOf(node, {});
  if (!node.json) fail(node, 'SHELL requires the arguments to be in JSON form', 'e.g. SHELL ["/bin/bash", "-c"]');
  if (node.args.length === 0) fail(node, 'SHELL requires at least one argument');
  return { kind: 'shell', ...base(node), shell: [...node.args] };
};
