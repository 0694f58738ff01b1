// ARG name[=default] ...
import { base, fail, flagsOf, requireArgs, type KeywordParser } from './contract.ts';

export const parseArg: KeywordParser = (node) => {
  flagsOf(node, {});
  requireArgs(node, 1);
  const args = node.args.map((word) => {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    // Docker only rejects a blank name; any other word is a name (even one `$NAME` cannot reach,
    // such as my-arg: it is still set by --build-arg and passed to RUN).
    if (name === '') fail(node, 'ARG names can not be blank', 'write it as ARG name or ARG name=default');
    return { name, defaultValue: eq < 0 ? undefined : word.slice(eq + 1) };
  });
  return { kind: 'arg', ...base(node), args };
};
