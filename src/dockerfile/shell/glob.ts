// Compiles a shell glob pattern (`*`, `?`, `[...]`) into star-separated segments of one-character
// matchers. Quoted or escaped characters are literal. Compilation is linear in the pattern length.
import type { PatternChar } from './sinks.ts';

/** Tests one code point. */
export type CharMatcher = (ch: string) => boolean;

/**
 * `segments[0] * segments[1] * … * segments[k]`: fixed-length runs of matchers separated by stars
 * (consecutive stars collapsed). Without a star there is exactly one segment.
 */
export interface Glob {
  segments: CharMatcher[][];
  hasStar: boolean;
}

const ANY: CharMatcher = () => true;

function literal(ch: string): CharMatcher {
  return (c) => c === ch;
}

function cp(ch: string): number {
  return ch.codePointAt(0) ?? 0;
}

function asciiClass(test: (c: number) => boolean): CharMatcher {
  return (ch) => test(cp(ch));
}

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => isUpper(c) || isLower(c);
const isPunct = (c: number): boolean => c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c);

/** POSIX bracket classes, ASCII-only as in Go's regexp (which BuildKit's matcher is built on). */
const POSIX_CLASSES: ReadonlyMap<string, CharMatcher> = new Map([
  ['alnum', asciiClass((c) => isAlpha(c) || isDigit(c))],
  ['alpha', asciiClass(isAlpha)],
  ['blank', asciiClass((c) => c === 0x20 || c === 0x09)],
  ['cntrl', asciiClass((c) => c < 0x20 || c === 0x7f)],
  ['digit', asciiClass(isDigit)],
  ['graph', asciiClass((c) => c > 0x20 && c < 0x7f)],
  ['lower', asciiClass(isLower)],
  ['print', asciiClass((c) => c >= 0x20 && c < 0x7f)],
  ['punct', asciiClass(isPunct)],
  ['space', asciiClass((c) => c === 0x20 || (c >= 0x09 && c <= 0x0d))],
  ['upper', asciiClass(isUpper)],
  ['word', asciiClass((c) => isAlpha(c) || isDigit(c) || c === 0x5f)],
  ['xdigit', asciiClass((c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))],
]);
const LONGEST_CLASS_NAME = 6;

function isActive(p: readonly PatternChar[], i: number, ch: string): boolean {
  const c = p[i];
  return c !== undefined && c.active && c.ch === ch;
}

class BracketParser {
  /** nextClassClose[i]: index of the next `:` that is followed by `]`, at or after i; -1 if none. */
  private readonly nextClassClose: Int32Array;
  /**
   * Member boundaries (after the first member) from which a bracket was already found to run off
   * the end of the pattern: a later `[` reaching one gives up at once, which keeps a pattern full
   * of unclosed `[` linear.
   */
  private readonly deadEnds: Uint8Array;

  constructor(private readonly p: readonly PatternChar[]) {
    const n = p.length;
    this.nextClassClose = new Int32Array(n + 1).fill(-1);
    for (let i = n - 2; i >= 0; i--) {
      this.nextClassClose[i] = p[i]?.ch === ':' && p[i + 1]?.ch === ']' ? i : (this.nextClassClose[i + 1] ?? -1);
    }
    this.deadEnds = new Uint8Array(n + 1);
  }

  /** Parses `[...]` opening at `open`; undefined when it is not closed (then `[` is literal). */
  parse(open: number): { matcher: CharMatcher; end: number } | undefined {
    const p = this.p;
    const n = p.length;
    let i = open + 1;
    let negate = false;
    if (isActive(p, i, '!') || isActive(p, i, '^')) {
      negate = true;
      i++;
    }
    const members: CharMatcher[] = [];
    const visited: number[] = [];
    let first = true;
    while (i < n) {
      if (!first) {
        if (this.deadEnds[i] === 1) break;
        visited.push(i);
        if (isActive(p, i, ']')) {
          const matcher: CharMatcher = (ch) => members.some((m) => m(ch)) !== negate;
          return { matcher, end: i };
        }
      }
      first = false;
      const posix = this.posixClassAt(i);
      if (posix !== undefined) {
        members.push(posix.matcher);
        i = posix.next;
        continue;
      }
      const lo = p[i]?.ch ?? '';
      const hi = p[i + 2];
      if (isActive(p, i + 1, '-') && hi !== undefined && !(hi.active && hi.ch === ']')) {
        const from = cp(lo);
        const to = cp(hi.ch);
        members.push((ch) => {
          const c = cp(ch);
          return c >= from && c <= to;
        });
        i += 3;
        continue;
      }
      members.push(literal(lo));
      i++;
    }
    for (const v of visited) this.deadEnds[v] = 1;
    return undefined;
  }

  /** `[:name:]` at i with a known class name. */
  private posixClassAt(i: number): { matcher: CharMatcher; next: number } | undefined {
    const p = this.p;
    if (!isActive(p, i, '[') || !isActive(p, i + 1, ':')) return undefined;
    const close = this.nextClassClose[i + 2] ?? -1;
    if (close < 0 || close - (i + 2) > LONGEST_CLASS_NAME) return undefined;
    const name = p
      .slice(i + 2, close)
      .map((c) => c.ch)
      .join('');
    const matcher = POSIX_CLASSES.get(name);
    return matcher === undefined ? undefined : { matcher, next: close + 2 };
  }
}

export function compileGlob(pattern: readonly PatternChar[]): Glob {
  const brackets = new BracketParser(pattern);
  const segments: CharMatcher[][] = [[]];
  let current: CharMatcher[] = segments[0] ?? [];
  let hasStar = false;
  let afterStar = false;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === undefined) break;
    if (c.active && c.ch === '*') {
      hasStar = true;
      if (!afterStar) {
        current = [];
        segments.push(current);
      }
      afterStar = true;
      i++;
      continue;
    }
    afterStar = false;
    if (c.active && c.ch === '?') {
      current.push(ANY);
      i++;
    } else if (c.active && c.ch === '[') {
      const bracket = brackets.parse(i);
      if (bracket === undefined) {
        current.push(literal('['));
        i++;
      } else {
        current.push(bracket.matcher);
        i = bracket.end + 1;
      }
    } else {
      current.push(literal(c.ch));
      i++;
    }
  }
  return { segments, hasStar };
}

/** The same glob read right to left, for matching against a reversed string. */
export function reverseGlob(glob: Glob): Glob {
  return { segments: glob.segments.map((s) => [...s].reverse()).reverse(), hasStar: glob.hasStar };
}
