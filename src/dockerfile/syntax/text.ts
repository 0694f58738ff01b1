// Character classes and small text helpers shared by the Dockerfile syntax modules (Go-compatible
// whitespace so that splitting agrees with BuildKit byte for byte).

/** Go's unicode.IsSpace. */
export function isSpace(ch: string): boolean {
  switch (ch) {
    case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
    case '\u0085': case '\u00a0': case '\u1680': case '\u2028': case '\u2029':
    case '\u202f': case '\u205f': case '\u3000':
      return true;
    default: {
      const c = ch.codePointAt(0) ?? 0;
      return c >= 0x2000 && c <= 0x200a;
    }
  }
}

/** BuildKit's `[\t\v\f\r ]+` separator, used for FROM/EXPOSE and the keyword split. */
export const ASCII_BLANKS = /[\t\v\f\r ]+/;

export function trimGoSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s[start]!)) start++;
  while (end > start && isSpace(s[end - 1]!)) end--;
  return s.slice(start, end);
}

export function trimLeftGoSpace(s: string): string {
  let start = 0;
  while (start < s.length && isSpace(s[start]!)) start++;
  return s.slice(start);
}

/** Splits on runs of `[\t\v\f\r ]`, dropping empty ends (Go's regexp Split on a trimmed string). */
export function splitBlanks(s: string): string[] {
  if (s === '') return [];
  return s.split(ASCII_BLANKS).filter((w, i, all) => w !== '' || (i !== 0 && i !== all.length - 1));
}
