// ARG name[=default] ...
import { base, fail, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const parseArg: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1);
  const args = node.args.map((word) => {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!NAME.test(name)) fail(node, `invalid ARG name "${name}"`, 'ARG names start with a letter or _ and hold letters, digits and _');
    return { name, defaultValue: eq < 0 ? undefined : word.slice(eq + 1) };
  });
  return { kind: 'arg', ...base(node), args };
};
