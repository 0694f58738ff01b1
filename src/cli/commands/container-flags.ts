// Shared by the container verbs: how berth re-executes itself for a supervisor, and refusing docker flags berth does not have yet.
import { BerthError } from '../../util/errors.ts';

/**
 * This berth's own command line (node, its flags such as `--import tsx`, and the script), for the
 * container supervisor. Without start-up tuning flags if berth was started with them: a supervisor
 * lives as long as its container and copies all of its output, work the optimizing compiler pays back.
 */
export function berthCommand(): string[] {
  const startupOnly = new Set(['--no-opt', '--max-semi-space-size=1']);
  return [process.execPath, ...process.execArgv.filter((a) => !startupOnly.has(a)), process.argv[1]!];
}

/**
 * Fails with NOT_IMPLEMENTED naming the first flag of `names` (commander's camelCase keys mapped to
 * their `--flag` spelling) the user gave; `defaults` holds the values a flag has when not given.
 */
export function refuseFlags(flags: object, names: Record<string, string>, defaults: Record<string, unknown> = {}): void {
  for (const [key, flag] of Object.entries(names)) {
    const value = (flags as Record<string, unknown>)[key];
    if (value === undefined || value === false || value === defaults[key]) continue;
    throw new BerthError('NOT_IMPLEMENTED', `${flag} is not supported yet`, { hint: `run the container without ${flag}` });
  }
}
