// Pattern operators over a value: `#`/`##` (prefix), `%`/`%%` (suffix), `/`/`//` (replace).
// Works on code points. A glob is fixed runs separated by stars, so the shortest or longest match is
// found by placing the runs greedily, in O(value length × pattern length), with no backtracking.
import type { CharMatcher, Glob } from './glob.ts';
import { reverseGlob } from './glob.ts';

function matchesAt(run: readonly CharMatcher[], value: readonly string[], at: number): boolean {
  if (at + run.length > value.length) return false;
  for (let k = 0; k < run.length; k++) {
    const m = run[k];
    const ch = value[at + k];
    if (m === undefined || ch === undefined || !m(ch)) return false;
  }
  return true;
}

/** Leftmost start ≥ from where `run` matches, or -1. */
function findFirst(run: readonly CharMatcher[], value: readonly string[], from: number): number {
  for (let s = from; s + run.length <= value.length; s++) if (matchesAt(run, value, s)) return s;
  return -1;
}

/** Rightmost start ≥ minStart where `run` matches, or -1. */
function findLast(run: readonly CharMatcher[], value: readonly string[], minStart: number): number {
  for (let s = value.length - run.length; s >= minStart; s--) if (matchesAt(run, value, s)) return s;
  return -1;
}

/**
 * End of the shortest or longest match of `glob` starting exactly at `start`, or -1. The runs between
 * stars go at their earliest places (which leaves the most room after them); only the last run
 * decides between shortest and longest.
 */
function matchEndFrom(glob: Glob, value: readonly string[], start: number, longest: boolean): number {
  const { segments } = glob;
  const head = segments[0] ?? [];
  if (!matchesAt(head, value, start)) return -1;
  let pos = start + head.length;
  if (!glob.hasStar) return pos;
  for (let k = 1; k < segments.length - 1; k++) {
    const run = segments[k] ?? [];
    const at = findFirst(run, value, pos);
    if (at < 0) return -1;
    pos = at + run.length;
  }
  const tail = segments[segments.length - 1] ?? [];
  if (longest && tail.length === 0) return value.length;
  const at = longest ? findLast(tail, value, pos) : findFirst(tail, value, pos);
  return at < 0 ? -1 : at + tail.length;
}

/** `${v#pat}` (shortest) and `${v##pat}` (longest). */
export function removePrefix(value: string, glob: Glob, longest: boolean): string {
  const chars = Array.from(value);
  const end = matchEndFrom(glob, chars, 0, longest);
  return end < 0 ? value : chars.slice(end).join('');
}

/** `${v%pat}` (shortest) and `${v%%pat}` (longest): a prefix match on the reversed value. */
export function removeSuffix(value: string, glob: Glob, longest: boolean): string {
  const reversed = Array.from(value).reverse();
  const end = matchEndFrom(reverseGlob(glob), reversed, 0, longest);
  return end < 0 ? value : reversed.slice(end).reverse().join('');
}

/**
 * Leftmost-longest match at or after `from`. With a star the only candidate start is the first place
 * the head run matches: whether the rest fits only gets harder further right.
 */
function search(glob: Glob, value: readonly string[], from: number): { start: number; end: number } | undefined {
  const head = glob.segments[0] ?? [];
  if (!glob.hasStar && head.length === 0) return undefined; // an empty pattern matches nothing
  const start = findFirst(head, value, from);
  if (start < 0) return undefined;
  const end = matchEndFrom(glob, value, start, true);
  return end < 0 ? undefined : { start, end };
}

/** `${v/pat/repl}` (first match) and `${v//pat/repl}` (every match). */
export function replaceMatches(value: string, glob: Glob, replacement: string, all: boolean): string {
  const chars = Array.from(value);
  let out = '';
  let pos = 0;
  for (;;) {
    const m = search(glob, chars, pos);
    if (m === undefined) break;
    out += chars.slice(pos, m.start).join('') + replacement;
    pos = m.end;
    // A pattern with a star matches through the last place its tail run occurs, so nothing after
    // that can match again; without a star every match is non-empty and the loop moves on.
    if (!all || glob.hasStar) break;
  }
  return out + chars.slice(pos).join('');
}
