// The word lexer: quotes, the escape character and `$` expansions (`$v`, `${v}` and every `${v…}`
// modifier), one pass over the word's code points, writing into a Sink. Modifier words are lexed
// recursively and, as in BuildKit, always expanded, even when the modifier does not use them.
import type { BerthError } from '../../util/errors.ts';
import { isDigit, isNameChar, isParameterName, isSpecialParam } from './chars.ts';
import { expansionError } from './errors.ts';
import { compileGlob } from './glob.ts';
import { removePrefix, removeSuffix, replaceMatches } from './glob-match.ts';
import type { Sink } from './sinks.ts';
import { PatternSink, StringSink } from './sinks.ts';
import type { EnvLookup, EscapeToken } from './types.ts';

/** `${…}` nesting deeper than this is refused rather than risking the call stack. */
export const MAX_NESTING = 100;

export class WordLexer {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly chars: string[];
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly word: string,
    private readonly env: EnvLookup,
    private readonly escape: EscapeToken,
    private readonly skipQuotes = false,
  ) {
    this.chars = Array.from(word);
  }

  /** Lexes the whole word into `sink`. */
  run(sink: Sink): void {
    this.readUntil('', sink);
  }

  /**
   * Lexes until an unquoted, unescaped character of `stops` (consumed and returned) or the end of
   * the word (undefined).
   */
  private readUntil(stops: string, sink: Sink): string | undefined {
    for (;;) {
      const ch = this.chars[this.pos];
      if (ch === undefined) return undefined;
      this.pos++;
      if (stops.includes(ch)) return ch;
      if (ch === "'" && !this.skipQuotes) sink.quoted(this.readSingleQuoted());
      else if (ch === '"' && !this.skipQuotes) sink.quoted(this.readDoubleQuoted());
      else if (ch === '$') sink.expansion(this.readDollar());
      else if (ch === this.escape) {
        const escaped = this.chars[this.pos++];
        if (escaped === undefined) return undefined; // a lone escape at the very end is dropped
        sink.quoted(escaped);
      } else sink.text(ch);
    }
  }

  /** After `'`: everything up to the next `'` is literal. */
  private readSingleQuoted(): string {
    const start = this.pos;
    const close = this.chars.indexOf("'", start);
    if (close < 0) {
      throw expansionError('unterminated single quote', this.word, "close it with ' (a single quote cannot be escaped inside single quotes)");
    }
    this.pos = close + 1;
    return this.chars.slice(start, close).join('');
  }

  /** After `"`: expansions happen; the escape character only escapes `"`, `$` and itself. */
  private readDoubleQuoted(): string {
    let out = '';
    for (;;) {
      const ch = this.chars[this.pos++];
      if (ch === undefined) throw expansionError('unterminated double quote', this.word, 'close it with "');
      if (ch === '"') return out;
      if (ch === '$') {
        out += this.readDollar();
        continue;
      }
      const next = this.chars[this.pos];
      if (ch === this.escape && (next === '"' || next === '$' || next === this.escape)) {
        out += next;
        this.pos++;
        continue;
      }
      out += ch;
    }
  }

  /**
   * A name after `$` or `${`: a run of letters, digits and `_`; or a run of digits (positional
   * parameter); or one special-parameter character. Empty when none of these follows.
   */
  private readName(): string {
    const start = this.pos;
    const first = this.chars[start];
    if (first === undefined) return '';
    if (isSpecialParam(first)) this.pos++;
    else this.skipWhile(isDigit(first) ? isDigit : isNameChar);
    return this.chars.slice(start, this.pos).join('');
  }

  private skipWhile(test: (ch: string) => boolean): void {
    for (let ch = this.chars[this.pos]; ch !== undefined && test(ch); ch = this.chars[this.pos]) this.pos++;
  }

  private lookup(name: string): string | undefined {
    if (isParameterName(name)) return undefined; // positional and special parameters are never set
    const value = this.env(name);
    if (value === undefined) this.unmatched.add(name);
    else this.matched.add(name);
    return value;
  }

  /** After `$`. */
  private readDollar(): string {
    const dollar = this.pos - 1;
    if (this.chars[this.pos] !== '{') {
      const name = this.readName();
      if (name === '') return '$'; // `$` before anything that cannot start a name is literal
      return this.lookup(name) ?? '';
    }
    this.pos++;
    if (this.depth >= MAX_NESTING) {
      throw expansionError(`\${…} expansions nested more than ${MAX_NESTING} levels deep`, this.word);
    }
    this.depth++;
    try {
      return this.readBraced(dollar);
    } finally {
      this.depth--;
    }
  }

  private missingBrace(): BerthError {
    return expansionError("bad substitution: missing '}'", this.word);
  }

  /** After `${`; `dollar` is where the `$` was, for messages. */
  private readBraced(dollar: number): string {
    const name = this.readName();
    if (name === '') {
      if (this.chars[this.pos] === undefined) throw this.missingBrace();
      throw expansionError('bad substitution: expected a variable name after "${"', this.word);
    }
    const op = this.chars[this.pos++];
    switch (op) {
      case undefined:
        throw this.missingBrace();
      case '}':
        return this.lookup(name) ?? '';
      case '-':
      case '+':
      case '?':
        return this.applyModifier(name, op, false, dollar);
      case ':': {
        const colonOp = this.chars[this.pos++];
        if (colonOp === '-' || colonOp === '+' || colonOp === '?') return this.applyModifier(name, colonOp, true, dollar);
        if (colonOp === undefined) throw this.missingBrace();
        throw this.unsupported(`:${colonOp}`, dollar);
      }
      case '#':
      case '%': {
        const longest = this.chars[this.pos] === op;
        if (longest) this.pos++;
        const pattern = new PatternSink();
        if (this.readUntil('}', pattern) === undefined) throw this.missingBrace();
        const value = this.lookup(name) ?? '';
        const glob = compileGlob(pattern.chars);
        return op === '#' ? removePrefix(value, glob, longest) : removeSuffix(value, glob, longest);
      }
      case '/': {
        const all = this.chars[this.pos] === '/';
        if (all) this.pos++;
        const pattern = new PatternSink();
        const stop = this.readUntil('/}', pattern);
        if (stop === undefined) throw this.missingBrace();
        const replacement = new StringSink();
        if (stop === '/' && this.readUntil('}', replacement) === undefined) throw this.missingBrace();
        const value = this.lookup(name) ?? '';
        return replaceMatches(value, compileGlob(pattern.chars), replacement.value, all);
      }
      default:
        throw this.unsupported(op, dollar);
    }
  }

  private unsupported(op: string, dollar: number): BerthError {
    const shown = this.chars.slice(dollar, this.pos).join('');
    return expansionError(`bad substitution: unsupported modifier "${op}" in "${shown}…"`, this.word);
  }

  /** `-`, `+` and `?`, with `:` (`colon`: an empty value counts as unset) or without. */
  private applyModifier(name: string, op: '-' | '+' | '?', colon: boolean, dollar: number): string {
    const arg = new StringSink();
    if (this.readUntil('}', arg) === undefined) throw this.missingBrace();
    const value = this.lookup(name);
    const present = value !== undefined && (!colon || value !== '');
    switch (op) {
      case '-':
        return present ? value : arg.value;
      case '+':
        return present ? arg.value : '';
      case '?': {
        if (present) return value;
        const reason = arg.value !== '' ? arg.value : `is not allowed to be ${colon ? 'empty' : 'unset'}`;
        const shown = this.chars.slice(dollar, this.pos).join('');
        throw expansionError(`${name}: ${reason} (required by "${shown}")`, this.word);
      }
    }
  }
}
