// Go's path/filepath.Match (Unix rules) and the wildcard helpers BuildKit's COPY uses around it.

class BadPattern extends Error {}

/**
 * Go's `filepath.Match`: `*` (any run of non-`/`), `?` (one non-`/` character), `[...]` classes with
 * ranges and `^` negation, `\` escapes. A malformed pattern matches nothing (BuildKit ignores the error).
 */
export function goMatch(pattern: string, name: string): boolean {
  try {
    return match(Array.from(pattern), Array.from(name));
  } catch (e) {
    if (e instanceof BadPattern) return false;
    throw e;
  }
}

function match(pattern: string[], name: string[]): boolean {
  let p = pattern;
  let s = name;
  outer: while (p.length > 0) {
    const { star, chunk, rest } = scanChunk(p);
    p = rest;
    if (star && chunk.length === 0) return !s.includes('/'); // a trailing * matches the rest unless it has a /
    const here = matchChunk(chunk, s);
    if (here !== undefined && (here.length === 0 || p.length > 0)) {
      s = here;
      continue;
    }
    if (star) {
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        const t = matchChunk(chunk, s.slice(i + 1));
        if (t !== undefined) {
          if (p.length === 0 && t.length > 0) continue; // the last chunk must use up the name
          s = t;
          continue outer;
        }
      }
    }
    // Like Go: a failed match still reports a malformed remainder of the pattern.
    while (p.length > 0) {
      const next = scanChunk(p);
      p = next.rest;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let start = 0;
  while (pattern[start] === '*') start++;
  let inRange = false;
  let i = start;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (i + 1 < pattern.length) i++;
    } else if (c === '[') inRange = true;
    else if (c === ']') inRange = false;
    else if (c === '*' && !inRange) break;
  }
  return { star: start > 0, chunk: pattern.slice(start, i), rest: pattern.slice(i) };
}

/** Matches `chunk` at the start of `s`; the rest of `s`, or undefined. Throws BadPattern for a malformed chunk. */
function matchChunk(chunk: string[], s: string[]): string[] | undefined {
  let failed = false;
  let c = 0;
  let si = 0;
  while (c < chunk.length) {
    if (!failed && si >= s.length) failed = true;
    const ch = chunk[c] as string;
    if (ch === '[') {
      const r = failed ? '' : (s[si++] as string);
      c++;
      let negated = false;
      if (chunk[c] === '^') {
        negated = true;
        c++;
      }
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (chunk[c] === ']' && ranges > 0) {
          c++;
          break;
        }
        let lo: string;
        [lo, c] = escaped(chunk, c);
        let hi = lo;
        if (chunk[c] === '-') [hi, c] = escaped(chunk, c + 1);
        const cp = r.codePointAt(0) ?? -1;
        if ((lo.codePointAt(0) as number) <= cp && cp <= (hi.codePointAt(0) as number)) matched = true;
        ranges++;
      }
      if (matched === negated) failed = true;
    } else if (ch === '?') {
      if (!failed) {
        if (s[si] === '/') failed = true;
        si++;
      }
      c++;
    } else {
      if (ch === '\\') {
        c++;
        if (c >= chunk.length) throw new BadPattern();
      }
      if (!failed) {
        if (chunk[c] !== s[si]) failed = true;
        si++;
      }
      c++;
    }
  }
  return failed ? undefined : s.slice(si);
}

/** One class member (with its `\` escape) at `at`; the member and the index after it. */
function escaped(chunk: string[], at: number): [string, number] {
  let i = at;
  const first = chunk[i];
  if (first === undefined || first === '-' || first === ']') throw new BadPattern();
  if (first === '\\') {
    i++;
    if (i >= chunk.length) throw new BadPattern();
  }
  const r = chunk[i] as string;
  i++;
  if (i >= chunk.length) throw new BadPattern(); // the class is never closed
  return [r, i];
}

/** Whether `name` has an unescaped `*`, `?` or `[` (BuildKit's containsWildcards). */
export function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/**
 * Splits clean relative path components before and after the first component holding a wildcard
 * (fsutil's splitWildcards): the first part is a literal path, the second a pattern.
 */
export function splitWildcards(parts: readonly string[]): { literal: string[]; pattern: string[] } {
  const at = parts.findIndex(containsWildcards);
  if (at < 0) return { literal: [...parts], pattern: [] };
  return { literal: parts.slice(0, at), pattern: parts.slice(at) };
}
