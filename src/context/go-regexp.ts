// Parser for the Go (RE2) regular-expression syntax docker's pattern compiler can emit, built into an NFA program.
//
// Docker turns each glob into a Go regexp string and hands it to Go's `regexp`; odd patterns such as
// `[*]` or `a\d` therefore take Go-regexp meanings. We parse that same string with Go's rules (Perl
// flags: `.` excludes `\n`, negated classes include it, `^`/`$` are text anchors, ASCII `\b`) instead of
// translating it to a JS RegExp, which would backtrack exponentially on `(.*/)?(.*/)?…`.

import { inRanges, isWordChar, PERL, POSIX, unicodeGroup, type Range } from './go-char-classes.ts';
import { buildProgram, repeatSizeValid, type Program, type RegexNode } from './nfa.ts';

/** Thrown for a string Go's regexp package would reject (or one using syntax berth does not model). */
export class GoRegexpError extends Error {}

const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
};
const isOctal = (c: number | undefined): c is number => c !== undefined && c >= 0x30 && c <= 0x37;
const isAlnum = (c: number): boolean => isWordChar(c) && c !== 0x5f;

class Parser {
  private readonly cps: number[];
  private pos = 0;

  constructor(private readonly source: string) {
    this.cps = Array.from(source, (ch) => ch.codePointAt(0) ?? 0);
  }

  private fail(message: string): never {
    throw new GoRegexpError(`${message} in \`${this.source}\``);
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.pos + offset];
  }

  parse(): RegexNode {
    const node = this.alternation(0);
    if (this.pos < this.cps.length) this.fail('unexpected )');
    return node;
  }

  private alternation(depth: number): RegexNode {
    const items = [this.sequence(depth)];
    while (this.peek() === 0x7c /* | */) {
      this.pos++;
      items.push(this.sequence(depth));
    }
    return items.length === 1 ? (items[0] as RegexNode) : { t: 'alt', items };
  }

  private sequence(depth: number): RegexNode {
    const items: RegexNode[] = [];
    let lastWasRepeat = false;
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c) break;
      if (c === 0x29 /* ) */) {
        if (depth === 0) this.fail('unexpected )');
        break;
      }
      const counts = this.repetition(c);
      if (counts !== undefined) {
        // * + ? {n,m}  (a following ? makes it non-greedy, which does not change whether it matches)
        const last = items.pop();
        if (last === undefined) this.fail('missing argument to repetition operator');
        if (lastWasRepeat) this.fail('invalid nested repetition operator');
        if (this.peek() === 0x3f) this.pos++;
        const [min, max] = counts;
        const node: RegexNode = { t: 'repeat', min, max, counted: c === 0x7b, sub: last };
        if (node.counted && (min >= 2 || max >= 2) && !repeatSizeValid(node, 1000)) this.fail('invalid repeat count');
        items.push(node);
        lastWasRepeat = true;
        continue;
      }
      lastWasRepeat = false;
      this.atom(items, depth);
    }
    return { t: 'cat', items };
  }

  /** A repetition operator at the cursor (consumed) as [min, max]; undefined if there is none. */
  private repetition(c: number): [number, number] | undefined {
    const simple: Record<number, [number, number]> = { 0x2a: [0, Infinity], 0x2b: [1, Infinity], 0x3f: [0, 1] };
    const counts = simple[c];
    if (counts !== undefined) {
      this.pos++;
      return counts;
    }
    return c === 0x7b ? this.repeatCounts() : undefined;
  }

  /**
   * Go's `{n}`, `{n,}`, `{n,m}` at the cursor: consumes it and returns [min, max], or returns undefined
   * (cursor unmoved) when the text is not a repetition, in which case `{` is a literal.
   */
  private repeatCounts(): [number, number] | undefined {
    const rest = String.fromCodePoint(...this.cps.slice(this.pos, this.pos + 24));
    const m = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (m === null) return undefined;
    const number = (digits: string): number | undefined =>
      digits.length >= 2 && digits.startsWith('0') ? undefined : digits.length > 8 ? -1 : Number(digits);
    const min = number(m[1] as string);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : number(m[3] as string);
    if (min === undefined || max === undefined) return undefined; // leading zeros: not a repetition
    this.pos += (m[0] as string).length;
    if (min < 0 || min > 1000 || max < 0 || (max !== Infinity && max > 1000) || min > max) this.fail('invalid repeat count');
    return [min, max];
  }

  private atom(items: RegexNode[], depth: number): void {
    const c = this.peek() as number;
    this.pos++;
    switch (c) {
      case 0x28: {
        // (
        if (this.peek() === 0x3f) this.fail('group flags are not supported by berth'); // docker escapes `(`
        const sub = this.alternation(depth + 1);
        if (this.peek() !== 0x29) this.fail('missing closing )');
        this.pos++;
        items.push(sub);
        return;
      }
      case 0x5e:
        items.push({ t: 'assert', kind: 'begin' });
        return;
      case 0x24:
        items.push({ t: 'assert', kind: 'end' });
        return;
      case 0x2e:
        items.push({ t: 'char', test: (cp) => cp !== 0x0a });
        return;
      case 0x5b:
        items.push(this.charClass());
        return;
      case 0x5c:
        this.escapeAtom(items);
        return;
      default:
        items.push({ t: 'char', test: (cp) => cp === c });
    }
  }

  private escapeAtom(items: RegexNode[]): void {
    const c = this.peek();
    switch (c) {
      case 0x41: // \A
        this.pos++;
        items.push({ t: 'assert', kind: 'begin' });
        return;
      case 0x7a: // \z
        this.pos++;
        items.push({ t: 'assert', kind: 'end' });
        return;
      case 0x62: // \b
        this.pos++;
        items.push({ t: 'assert', kind: 'word-boundary' });
        return;
      case 0x42: // \B
        this.pos++;
        items.push({ t: 'assert', kind: 'not-word-boundary' });
        return;
      case 0x43: // \C
        this.fail('invalid escape sequence: `\\C`');
        break;
      case 0x51: {
        // \Q ... \E: literal text
        this.pos++;
        while (this.pos < this.cps.length) {
          if (this.peek() === 0x5c && this.peek(1) === 0x45) {
            this.pos += 2;
            break;
          }
          const lit = this.peek() as number;
          this.pos++;
          items.push({ t: 'char', test: (cp) => cp === lit });
        }
        return;
      }
    }
    this.pos--; // back onto the backslash
    const group = this.groupEscape();
    if (group !== undefined) {
      items.push({ t: 'char', test: group });
      return;
    }
    const lit = this.escapedChar();
    items.push({ t: 'char', test: (cp) => cp === lit });
  }

  /** `\d`-style or `\pL`-style class at the cursor (on the backslash); undefined if not one. */
  private groupEscape(): ((cp: number) => boolean) | undefined {
    if (this.peek() !== 0x5c) return undefined;
    const kind = this.peek(1);
    if (kind === undefined) return undefined;
    const letter = String.fromCodePoint(kind);
    const perl = PERL[letter.toLowerCase()];
    if (perl !== undefined && 'dswDSW'.includes(letter)) {
      this.pos += 2;
      const negate = letter !== letter.toLowerCase();
      return (cp) => inRanges(perl, cp) !== negate;
    }
    if (kind !== 0x70 && kind !== 0x50) return undefined; // \p \P
    this.pos += 2;
    let negate = kind === 0x50;
    let name: string;
    const first = this.peek();
    if (first === undefined) this.fail('invalid character class range');
    this.pos++;
    if (first === 0x7b) {
      const close = this.cps.indexOf(0x7d, this.pos);
      if (close < 0) this.fail('invalid character class range');
      name = String.fromCodePoint(...this.cps.slice(this.pos, close));
      this.pos = close + 1;
    } else {
      name = String.fromCodePoint(first);
    }
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    const test = unicodeGroup(name);
    if (test === undefined) this.fail(`invalid character class range: \\p{${name}}`);
    return (cp) => test(cp) !== negate;
  }

  /** A single-character escape at the cursor (on the backslash), as Go's parseEscape reads it. */
  private escapedChar(): number {
    this.pos++;
    const c = this.peek();
    if (c === undefined) this.fail('trailing backslash at end of expression');
    this.pos++;
    if (c < 0x80 && !isAlnum(c)) return c;
    if (c >= 0x31 && c <= 0x37 && !isOctal(this.peek())) {
      this.fail(`invalid escape sequence: \`\\${String.fromCodePoint(c)}\``);
    }
    if (c >= 0x30 && c <= 0x37) {
      let r = c - 0x30;
      for (let i = 1; i < 3; i++) {
        const d = this.peek();
        if (!isOctal(d)) break;
        r = r * 8 + (d - 0x30);
        this.pos++;
      }
      return r;
    }
    if (c === 0x78) return this.hexEscape();
    const simple: Record<number, number> = { 0x61: 7, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11 };
    const value = simple[c];
    if (value !== undefined) return value;
    return this.fail(`invalid escape sequence: \`\\${String.fromCodePoint(c)}\``);
  }

  private hexEscape(): number {
    const bad = (): never => this.fail('invalid escape sequence: `\\x`');
    const first = this.peek();
    if (first === undefined) return bad();
    this.pos++;
    if (first === 0x7b) {
      let r = 0;
      let digits = 0;
      for (;;) {
        const d = this.peek();
        if (d === undefined) return bad();
        this.pos++;
        if (d === 0x7d) break;
        const v = hexValue(d);
        if (v < 0) return bad();
        r = r * 16 + v;
        if (r > 0x10ffff) return bad();
        digits++;
      }
      return digits === 0 ? bad() : r;
    }
    const second = this.peek();
    this.pos++;
    const x = hexValue(first);
    const y = second === undefined ? -1 : hexValue(second);
    return x < 0 || y < 0 ? bad() : x * 16 + y;
  }

  /** A bracket expression; the cursor is just past `[`. */
  private charClass(): RegexNode {
    const ranges: Range[] = [];
    const tests: ((cp: number) => boolean)[] = [];
    let negate = false;
    if (this.peek() === 0x5e) {
      negate = true;
      this.pos++;
    }
    let first = true;
    while (first || this.peek() !== 0x5d) {
      if (this.peek() === undefined) this.fail('missing closing ]');
      first = false;
      if (this.peek() === 0x5b && this.peek(1) === 0x3a && this.posixClass(ranges)) continue;
      const group = this.groupEscape();
      if (group !== undefined) {
        tests.push(group);
        continue;
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peek() === 0x2d && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        this.pos++;
        hi = this.classChar();
        if (hi < lo) this.fail('invalid character class range');
      }
      ranges.push([lo, hi]);
    }
    this.pos++; // ]
    return { t: 'char', test: (cp) => (inRanges(ranges, cp) || tests.some((f) => f(cp))) !== negate };
  }

  private classChar(): number {
    const c = this.peek();
    if (c === undefined) this.fail('missing closing ]');
    if (c === 0x5c) return this.escapedChar();
    this.pos++;
    return c;
  }

  /** `[:alpha:]` or `[:^alpha:]` at the cursor; false (cursor unmoved) if there is no `:]` after it. */
  private posixClass(ranges: Range[]): boolean {
    let end = -1;
    for (let i = this.pos + 2; i + 1 < this.cps.length; i++) {
      if (this.cps[i] === 0x3a && this.cps[i + 1] === 0x5d) {
        end = i;
        break;
      }
    }
    if (end < 0) return false;
    let name = String.fromCodePoint(...this.cps.slice(this.pos + 2, end));
    const negate = name.startsWith('^');
    if (negate) name = name.slice(1);
    const set = POSIX[name];
    if (set === undefined) this.fail('invalid character class range');
    this.pos = end + 2;
    if (!negate) {
      ranges.push(...set);
      return true;
    }
    let next = 0;
    for (const [lo, hi] of set) {
      if (lo > next) ranges.push([next, lo - 1]);
      next = hi + 1;
    }
    ranges.push([next, 0x10ffff]);
    return true;
  }
}

/** Parses a Go regexp and builds its NFA program. Throws GoRegexpError where Go's regexp.Compile fails. */
export function compileGoRegexp(source: string): Program {
  return buildProgram(new Parser(source).parse());
}
