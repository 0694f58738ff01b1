// Named character classes of Go's regexp syntax: Perl (\d \s \w), POSIX ([:alpha:]), Unicode (\pL), word characters.

export type Range = [number, number];

/** Go's ASCII-only notion of a word character, used by `\b` and `\B`. */
export const isWordChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

export const PERL: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};

export const POSIX: Record<string, Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

export const inRanges = (ranges: readonly Range[], c: number): boolean => ranges.some(([lo, hi]) => c >= lo && c <= hi);

/** A Unicode property test for Go's `\pL` / `\p{Greek}` names, via JS property escapes. */
export function unicodeGroup(name: string): ((cp: number) => boolean) | undefined {
  if (name === 'Any') return () => true;
  for (const form of [name, `Script=${name}`]) {
    try {
      const re = new RegExp(`^\\p{${form}}$`, 'u');
      return (cp) => re.test(String.fromCodePoint(cp));
    } catch {
      // not a name JS knows in this form
    }
  }
  return undefined;
}
