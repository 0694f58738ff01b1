// Builder flags (`--name=value` after a keyword): declared per instruction, validated strictly
// (an unknown, repeated or malformed flag is an error, never ignored).
import type { FlagNode } from '../syntax/index.ts';
import { InstructionError } from './instruction-error.ts';

export type FlagKind = 'string' | 'bool' | 'list';
export type FlagSpec = Record<string, FlagKind>;

export interface FlagValues {
  string(name: string): string | undefined;
  bool(name: string): boolean;
  /** A bool flag that was given explicitly, or undefined when absent. */
  maybeBool(name: string): boolean | undefined;
  list(name: string): string[];
  /** The node of a given flag, for positioning errors about its value. */
  node(name: string): FlagNode | undefined;
}

export function parseFlags(keyword: string, flags: readonly FlagNode[], spec: FlagSpec): FlagValues {
  const strings = new Map<string, string>();
  const bools = new Map<string, boolean>();
  const lists = new Map<string, string[]>();
  const nodes = new Map<string, FlagNode>();
  for (const f of flags) {
    const kind = spec[f.name];
    if (f.name === '' || kind === undefined) {
      const known = Object.keys(spec).map((k) => '--' + k);
      throw new InstructionError('DOCKERFILE_FLAG', `unknown flag: --${f.name} for ${keyword}`, f.range,
        known.length ? `${keyword} accepts ${known.join(', ')}` : `${keyword} takes no flags`);
    }
    if (kind !== 'list' && nodes.has(f.name)) {
      throw new InstructionError('DOCKERFILE_FLAG', `duplicate flag specified: --${f.name}`, f.range);
    }
    nodes.set(f.name, f);
    if (kind === 'bool') {
      // As docker: a bare `--link` is true, but `--link=` is a missing value, not an empty boolean.
      if (f.value === '') throw new InstructionError('DOCKERFILE_FLAG', `missing a value on flag: --${f.name}`, f.range, `write it as --${f.name} or --${f.name}=true|false`);
      const v = f.value === undefined ? 'true' : f.value.toLowerCase();
      if (v !== 'true' && v !== 'false') {
        throw new InstructionError('DOCKERFILE_FLAG', `expecting boolean value for flag --${f.name}, not: ${f.value}`, f.range);
      }
      bools.set(f.name, v === 'true');
    } else {
      if (f.value === undefined) {
        throw new InstructionError('DOCKERFILE_FLAG', `missing a value on flag: --${f.name}`, f.range, `write it as --${f.name}=<value>`);
      }
      if (kind === 'string') strings.set(f.name, f.value);
      else lists.set(f.name, [...(lists.get(f.name) ?? []), f.value]);
    }
  }
  return {
    string: (n) => strings.get(n),
    bool: (n) => bools.get(n) ?? false,
    maybeBool: (n) => bools.get(n),
    list: (n) => lists.get(n) ?? [],
    node: (n) => nodes.get(n),
  };
}
