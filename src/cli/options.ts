// Flag helpers shared by the verb files: repeatable flags, typed parsers, the "not implemented" action.
import { InvalidArgumentError } from 'commander';
import { BerthError } from '../util/errors.ts';

/** Commander reducer for docker's repeatable `stringArray`/`list` flags (`-t a -t b`); unset stays undefined. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parser for docker's `int` flags; rejects "1.5", "", "12abc". */
export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`strconv.ParseInt: parsing "${value}": invalid syntax`);
  return Number.parseInt(value, 10);
}

/** The action of every verb that berth does not have yet. */
export function notImplemented(): never {
  throw new BerthError('NOT_IMPLEMENTED', 'not implemented yet');
}

/**
 * `KEY=VALUE` pairs (`--build-arg`, `-e`) into a record. A bare `KEY` takes its value from the
 * environment, and stays undefined when the environment does not have it (docker drops it then).
 */
export function parseKeyValues(pairs: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq === 0) throw new BerthError('INVALID_ARGUMENT', `invalid argument "${pair}": the name is empty`);
    if (eq < 0) out[pair] = env[pair];
    else out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
