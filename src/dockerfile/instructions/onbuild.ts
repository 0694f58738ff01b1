// ONBUILD instruction: a trigger stored in the image and run when a child image builds FROM it.
import { base, fail, flagsOf, type KeywordParser } from './contract.ts';

const FORBIDDEN = new Set(['onbuild', 'from', 'maintainer']);

export const parseOnbuild: KeywordParser = (node, ctx) => {
  flagsOf(node, {});
  const child = node.child;
  if (!child) fail(node, 'ONBUILD requires at least one argument', 'give the instruction to run in child builds, e.g. ONBUILD COPY . /app');
  if (child.name === 'onbuild') fail(node, 'chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  if (FORBIDDEN.has(child.name)) fail(node, `${child.name.toUpperCase()} isn't allowed as an ONBUILD trigger`);
  // Docker stores the line as written minus `ONBUILD` (the keyword keeps its case), followed by
  // each heredoc's body and terminator so that the child build can parse the trigger again.
  let trigger = child.original;
  for (const h of child.heredocs) trigger += `\n${h.content}${h.name}`;
  return { kind: 'onbuild', ...base(node), trigger, instruction: ctx.convert(child) };
};
