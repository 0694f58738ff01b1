// Environment lookups built from docker-style "KEY=VALUE" lists.
import type { EnvLookup } from './types.ts';

/**
 * Builds a lookup from "KEY=VALUE" entries; a later entry for the same key wins. An entry without
 * `=` sets the key to the empty string (as BuildKit's env list handling does).
 */
export function envFromList(list: readonly string[]): EnvLookup {
  const vars = new Map<string, string>();
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq < 0) vars.set(entry, '');
    else vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return (name) => vars.get(name);
}
