// Recognises heredoc markers (`<<EOF`, `<<-EOF`, `3<<"EOF"`, `<<E'O'F`, `<<  EOF`) on an instruction
// line as BuildKit's parser does (`heredocsFromLine` and `ParseHeredoc` in parser.go). Both
// run BuildKit's shell lexer over the text with an empty environment and unset variables kept as
// written, so the subset of that lexer they depend on is ported here, quirks included: `<<` swallows
// the blanks after it, an unterminated quote anywhere on the line means "no heredocs at all", `$NAME`
// stays literal, and only quotes (not backslashes) turn expansion off.
import { isSpace } from './text.ts';

export interface HeredocMarker {
  name: string;
  expand: boolean;
  chomp: boolean;
  fd: number | undefined;
}

/** A lexing failure (BuildKit's shell lexer returns an error). */
export class HeredocLexError extends Error {}

const ESCAPE = '\\';
const MAX_NESTING = 200;

/** Go's `\d` and `\s` (RE2, ASCII only). */
const isAsciiDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isRegexpSpace = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\f' || ch === '\r';
/** The lexer's isWhitespace, used after `<<`. */
const isHeredocBlank = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\r';
const isSpecialParam = (ch: string): boolean => '@*#?-$!0'.includes(ch);

/** Port of the subset of BuildKit's `shell.Lex` that heredoc detection uses (empty env, SkipUnsetEnv). */
class ShellWords {
  private readonly src: string[];
  private pos = 0;
  /** Shared by nested scans, as `shellWord.wordsBuffer` is upstream (a nested `${...}` scan resets it). */
  private wordsBuffer = '';
  private rawEscapes: boolean;
  /** `${a:-${b:-...}}` nests scans; Go's growable stack copes, ours is bounded. */
  private depth = 0;

  constructor(source: string, private readonly rawQuotes: boolean, rawEscapes: boolean) {
    this.src = Array.from(source);
    // text/scanner skips a byte order mark at the very start of its input.
    if (this.src[0] === '\ufeff') this.pos = 1;
    this.rawEscapes = rawEscapes;
  }

  /** ProcessWords: the words of the whole source. Throws HeredocLexError. */
  words(): string[] {
    return this.processStopOn(undefined, this.rawEscapes).words;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private next(): string | undefined {
    const ch = this.src[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  private processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    if (this.depth >= MAX_NESTING) throw new HeredocLexError('variable substitutions nested too deeply');
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    this.depth++;
    try {
      let result = '';
      const words: string[] = [];
      let inWord = false;
      this.wordsBuffer = '';
      const addRawChar = (ch: string): void => { this.wordsBuffer += ch; inWord = true; };
      const addChar = (ch: string): void => {
        if (isSpace(ch)) {
          if (inWord && this.wordsBuffer.length !== 0) {
            words.push(this.wordsBuffer);
            this.wordsBuffer = '';
            inWord = false;
          }
        } else {
          addRawChar(ch);
        }
      };
      const getWords = (): string[] => {
        if (this.wordsBuffer.length > 0) {
          words.push(this.wordsBuffer);
          this.wordsBuffer = '';
          inWord = false;
        }
        return words;
      };

      for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
        if (stop !== undefined && ch === stop) {
          this.next();
          return { result, words: getWords() };
        }
        if (ch === '$' || ch === '<' || ch === "'" || ch === '"') {
          const tmp = ch === '$' ? this.processDollar()
            : ch === '<' ? this.processPossibleHeredoc()
              : ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += tmp;
          if (ch === '$') {
            for (const c of tmp) addChar(c);
          } else {
            this.wordsBuffer += tmp;
            inWord = true;
          }
          continue;
        }
        let c = this.next()!;
        if (c === ESCAPE) {
          if (this.rawEscapes) { addRawChar(c); result += c; }
          const escaped = this.next();
          if (escaped === undefined) break;
          c = escaped;
          addRawChar(c);
        } else {
          addChar(c);
        }
        result += c;
      }
      if (stop !== undefined) throw new HeredocLexError(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: getWords() };
    } finally {
      this.rawEscapes = saved;
      this.depth--;
    }
  }

  private processSingleQuote(): string {
    let result = '';
    const open = this.next()!;
    if (this.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new HeredocLexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return this.rawQuotes ? result + ch : result;
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    let result = '';
    const open = this.next()!;
    if (this.rawQuotes) result += open;
    for (;;) {
      const peek = this.peek();
      if (peek === undefined) throw new HeredocLexError('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        this.next();
        return this.rawQuotes ? result + peek : result;
      }
      if (peek === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.next()!;
      if (ch === ESCAPE) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === undefined) continue; // the loop then reports the missing quote
        if (after === '"' || after === '$' || after === ESCAPE) ch = this.next()!;
      }
      result += ch;
    }
  }

  /** `$name`, `${name}`, `${name:-word}`, ...: every variable is unset and kept as written. */
  private processDollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.processName();
      return name === '' ? '$' : '$' + name;
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new HeredocLexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new HeredocLexError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    // Go's string(rune(EOF)) is U+FFFD.
    let chs = ch ?? '\ufffd';
    let nullIsUnset = false;
    if (ch === '}') return `\${${name}}`;
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      chs += ch ?? '\ufffd';
    }
    if (nullIsUnset || ch === '+' || ch === '-' || ch === '?' || ch === '#' || ch === '%') {
      const raw = ch === '#' || ch === '%';
      if (nullIsUnset && raw) throw new HeredocLexError(`unsupported modifier (${chs}) in substitution`);
      const word = this.nestedUntil('}', raw, "syntax error: missing '}'");
      return `\${${name}${chs}${word}}`;
    }
    if (ch === '/') {
      if (this.peek() === '/') this.next();
      const pattern = this.nestedUntil('/', true, "syntax error: missing '/' in ${}");
      const replacement = this.nestedUntil('}', true, "syntax error: missing '}'");
      return `\${${name}/${pattern}/${replacement}}`;
    }
    throw new HeredocLexError(`unsupported modifier (${chs}) in substitution`);
  }

  private nestedUntil(stop: string, rawEscapes: boolean, atEof: string): string {
    try {
      return this.processStopOn(stop, rawEscapes).result;
    } catch (e) {
      if (this.peek() === undefined) throw new HeredocLexError(atEof);
      throw e;
    }
  }

  private processName(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && /^\p{Nd}$/u.test(ch)) {
        while (this.peek() !== undefined && /^\p{Nd}$/u.test(this.peek()!)) name += this.next()!;
        return name;
      }
      if (name === '' && isSpecialParam(ch)) return this.next()!;
      if (!/^[\p{L}\p{Nd}_]$/u.test(ch)) break;
      name += this.next()!;
    }
    return name;
  }

  /** `<<` keeps the blanks that follow it, so `<<  EOF` stays one word. */
  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let result = '<<';
    while (isHeredocBlank(this.peek())) result += this.next()!;
    return result;
  }
}

const countQuotes = (s: string): number => {
  let n = 0;
  for (const ch of s) if (ch === "'" || ch === '"') n++;
  return n;
};

/**
 * BuildKit's ParseHeredoc: `^(\d*)<<(-?)\s*([^<]*)$`, then the word must lex to exactly one word.
 * Returns undefined for "not a heredoc"; throws HeredocLexError where BuildKit returns an error.
 */
export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  let i = 0;
  while (isAsciiDigit(word[i])) i++;
  const fdText = word.slice(0, i);
  if (!word.startsWith('<<', i)) return undefined;
  i += 2;
  const chomp = word[i] === '-';
  if (chomp) i++;
  while (isRegexpSpace(word[i])) i++;
  const rest = word.slice(i);
  if (rest === '' || rest.includes('<')) return undefined;

  const words = new ShellWords(rest, false, false).words();
  if (words.length !== 1) return undefined;
  const raw = new ShellWords(rest, true, false).words();
  if (raw.length !== words.length) throw new HeredocLexError(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const name = words[0]!;
  return {
    name,
    // Only quotes disable expansion: `<<\EOF` still expands, `<<'EOF'` and `<<E"O"F` do not.
    expand: countQuotes(name) === countQuotes(raw[0]!),
    chomp,
    fd: fdText === '' ? undefined : Number(fdText),
  };
}

/**
 * Every heredoc marker on a logical line, in order (BuildKit's heredocsFromLine). A line the lexer
 * rejects (e.g. an unterminated quote anywhere) has no heredocs. Throws HeredocLexError when a
 * marker word itself is malformed, which BuildKit reports as a parse error.
 */
export function heredocMarkers(line: string): HeredocMarker[] {
  let words: string[];
  try {
    words = new ShellWords(line, true, true).words();
  } catch (e) {
    if (e instanceof HeredocLexError) return [];
    throw e;
  }
  const out: HeredocMarker[] = [];
  for (const w of words) {
    const marker = parseHeredocMarker(w);
    if (marker) out.push(marker);
  }
  return out;
}
