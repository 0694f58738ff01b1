// Where the lexer's output goes: one string, a list of split words, or glob pattern characters.
// The lexer tells each sink how a piece of text was produced, because that decides whether it is
// split on whitespace (words) and whether `*`, `?` and `[` in it are wildcards (patterns).
import { hasSpace, isSpace } from './chars.ts';

export interface Sink {
  /** One unquoted, unescaped character of the word: split on whitespace, a wildcard in patterns. */
  text(ch: string): void;
  /** Text from quotes or an escape: never split, always literal in patterns. */
  quoted(text: string): void;
  /** The result of an unquoted `$` expansion: split on whitespace, wildcards stay active. */
  expansion(text: string): void;
}

/** Concatenates everything: single-string mode (BuildKit ProcessWord) and modifier words. */
export class StringSink implements Sink {
  value = '';
  text(ch: string): void {
    this.value += ch;
  }
  quoted(text: string): void {
    this.value += text;
  }
  expansion(text: string): void {
    this.value += text;
  }
}

/**
 * Word-splitting mode (BuildKit ProcessWords): unquoted whitespace, including whitespace produced by
 * unquoted expansions, separates words; runs collapse and no empty word is produced, so a word made
 * only of `""` disappears.
 */
export class WordsSink implements Sink {
  private readonly words: string[] = [];
  private word = '';

  text(ch: string): void {
    if (!isSpace(ch)) this.word += ch;
    else this.endWord();
  }
  quoted(text: string): void {
    this.word += text;
  }
  expansion(text: string): void {
    if (!hasSpace(text)) {
      this.word += text;
      return;
    }
    for (const ch of text) this.text(ch);
  }
  result(): string[] {
    this.endWord();
    return this.words;
  }
  private endWord(): void {
    if (this.word !== '') this.words.push(this.word);
    this.word = '';
  }
}

/** One character of a glob pattern; `active` is false when it was quoted or escaped. */
export interface PatternChar {
  ch: string;
  active: boolean;
}

/** Collects the pattern of `${v#pat}`, `${v%pat}` and `${v/pat/repl}` one code point at a time. */
export class PatternSink implements Sink {
  readonly chars: PatternChar[] = [];
  text(ch: string): void {
    this.chars.push({ ch, active: true });
  }
  quoted(text: string): void {
    for (const ch of text) this.chars.push({ ch, active: false });
  }
  expansion(text: string): void {
    for (const ch of text) this.chars.push({ ch, active: true });
  }
}
