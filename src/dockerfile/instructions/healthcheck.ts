// HEALTHCHECK [--interval --timeout --start-period --start-interval --retries] CMD command | NONE
import type { FlagValues } from './flags.ts';
import { base, fail, flagsOf, type KeywordParser } from './contract.ts';
import { parseDuration } from './duration.ts';
import { InstructionError } from './instruction-error.ts';

const SPEC = { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' } as const;

function duration(flags: FlagValues, name: string): number | undefined {
  const text = flags.string(name);
  if (text === undefined) return undefined;
  // As docker: an empty value is 0 (inherit the default), so is an explicit zero.
  if (text === '') return 0;
  const ns = parseDuration(text);
  const node = flags.node(name)!;
  if (ns === undefined) throw new InstructionError('DOCKERFILE_FLAG', `--${name}: invalid duration "${text}"`, node.range, 'use a duration such as 30s, 1m30s or 500ms');
  if (ns !== 0 && ns < 1e6) throw new InstructionError('DOCKERFILE_FLAG', `--${name} cannot be less than 1ms`, node.range);
  return ns;
}

export const parseHealthcheck: KeywordParser = (node) => {
  if (node.args.length === 0) fail(node, 'HEALTHCHECK requires at least one argument', 'write HEALTHCHECK CMD <command> or HEALTHCHECK NONE');
  const type = node.args[0]!.toUpperCase();
  const common = {
    kind: 'healthcheck' as const, ...base(node),
    interval: undefined, timeout: undefined, startPeriod: undefined, startInterval: undefined, retries: undefined,
  };
  // Docker reads no flags for HEALTHCHECK NONE (any given are ignored).
  if (type === 'NONE') {
    if (node.args.length > 1) fail(node, 'HEALTHCHECK NONE takes no arguments');
    return { ...common, test: ['NONE'] };
  }
  const flags = flagsOf(node, SPEC);
  if (type !== 'CMD') fail(node, `unknown type "${node.args[0] ?? ''}" in HEALTHCHECK (try CMD)`, 'write HEALTHCHECK CMD <command> or HEALTHCHECK NONE');
  const cmd = node.args.slice(1);
  if (cmd.length === 0) fail(node, 'missing command after HEALTHCHECK CMD');
  const test = node.json ? ['CMD', ...cmd] : ['CMD-SHELL', cmd.join(' ')];
  let retries: number | undefined;
  const r = flags.string('retries');
  // An empty value means the default (0), as in docker; otherwise a 32-bit decimal integer >= 0.
  if (r !== undefined && r !== '') {
    const n = /^[+-]?\d+$/.test(r) ? Number(r) : NaN;
    if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 31 - 1) {
      throw new InstructionError('DOCKERFILE_FLAG', `--retries: invalid number "${r}"`, flags.node('retries')!.range);
    }
    if (n < 0) throw new InstructionError('DOCKERFILE_FLAG', `--retries cannot be negative (${n})`, flags.node('retries')!.range);
    retries = n;
  } else if (r === '') {
    retries = 0;
  }
  return {
    ...common, test, retries,
    interval: duration(flags, 'interval'), timeout: duration(flags, 'timeout'),
    startPeriod: duration(flags, 'start-period'), startInterval: duration(flags, 'start-interval'),
  };
};
