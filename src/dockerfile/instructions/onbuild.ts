// ONBUILD instruction: a trigger stored in the image and run when a child image builds FROM it.
import { base, fail, flagsOf, type KeywordParser } from './contract.ts';

const FORBIDDEN = new Set(['onbuild', 'from', 'maintainer']);

export const parseOnbuild: KeywordParser = (node, ctx) => {
  flagsOf(node, {});
  const child = node.child;
  if (!child) fail(node, 'ONBUILD requires at least one argument', 'give the instruction to run in child builds, e.g. ONBUILD COPY . /app');
  if (child.name === 'onbuild') fail(node, 'chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  if (FORBIDDEN.has(child.name)) fail(node, `${child.name.toUpperCase()} isn't allowed as an ONBUILD trigger`);
  // Docker stores the trigger text with the keyword upper-cased.
  const trigger = child.original.replace(/^\S+/, child.name.toUpperCase());
  return { kind: 'onbuild', ...base(node), trigger, instruction: ctx.convert(child) };
};
