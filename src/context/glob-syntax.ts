// Pattern syntax check equal to the error cases of Go's filepath.Match, which docker uses to reject a pattern.

/**
 * Returns why `pattern` is malformed as a Go `filepath.Match` pattern (Unix rules), or undefined if it
 * is well formed. Mirrors the check done by recent Go releases, which validate every `*`-separated
 * chunk (Go ≤ 1.19 stopped at the first chunk that failed to match "."; docker ships newer Go).
 */
export function globSyntaxError(pattern: string): string | undefined {
  let rest = pattern;
  while (rest.length > 0) {
    let start = 0;
    while (rest[start] === '*') start++;
    rest = rest.slice(start);
    const end = chunkEnd(rest);
    const problem = chunkError(rest.slice(0, end));
    if (problem !== undefined) return problem;
    rest = rest.slice(end);
  }
  return undefined;
}

/** Where the chunk that starts `s` ends: at the first `*` outside a `[...]`, honouring `\` escapes. */
function chunkEnd(s: string): number {
  let inRange = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      if (i + 1 < s.length) i++;
    } else if (c === '[') {
      inRange = true;
    } else if (c === ']') {
      inRange = false;
    } else if (c === '*' && !inRange) {
      return i;
    }
  }
  return s.length;
}

function charLength(s: string, i: number): number {
  const cp = s.codePointAt(i) ?? 0;
  return cp > 0xffff ? 2 : 1;
}

function chunkError(chunk: string): string | undefined {
  let i = 0;
  // One class member or range endpoint; returns the index after it, or a reason.
  const member = (at: number): number | string => {
    const c = chunk[at];
    if (c === undefined) return 'unterminated character class';
    if (c === '-' || c === ']') return `unexpected "${c}" in character class`;
    let j = at;
    if (c === '\\') {
      j++;
      if (j >= chunk.length) return 'unterminated character class';
    }
    j += charLength(chunk, j);
    if (j >= chunk.length) return 'unterminated character class';
    return j;
  };
  while (i < chunk.length) {
    const c = chunk[i];
    if (c === '[') {
      i++;
      if (chunk[i] === '^') i++;
      let ranges = 0;
      for (;;) {
        if (chunk[i] === ']' && ranges > 0) {
          i++;
          break;
        }
        const lo = member(i);
        if (typeof lo === 'string') return lo;
        i = lo;
        if (chunk[i] === '-') {
          const hi = member(i + 1);
          if (typeof hi === 'string') return hi;
          i = hi;
        }
        ranges++;
      }
    } else if (c === '\\') {
      i++;
      if (i >= chunk.length) return 'trailing backslash';
      i += charLength(chunk, i);
    } else {
      i += charLength(chunk, i);
    }
  }
  return undefined;
}
