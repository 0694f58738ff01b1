// Splitting of instruction arguments the way BuildKit's parser does it: builder flags, shell-like
// words with quotes kept raw, JSON exec form, and ENV/LABEL name=value lists.
import type { EscapeToken } from './nodes.ts';
import { isSpace, splitBlanks, trimLeftGoSpace } from './text.ts';

export interface RawWord {
  text: string;
  /** Offsets into the source string: [start, end). */
  start: number;
  end: number;
}

export interface FlagScan {
  flags: RawWord[];
  /** Offset where the arguments begin (after the flags and a `--` terminator, if any). */
  restStart: number;
}

/**
 * Takes `--flag` words from the start of `s`. Quotes are removed and the escape token escapes the next
 * character; a bare `--` ends the flags and is dropped; the first word not starting with `--` ends them too.
 */
export function extractFlags(s: string, escape: EscapeToken): FlagScan {
  const flags: RawWord[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos]!)) pos++;
    if (pos >= s.length) return { flags, restStart: s.length };
    if (!s.startsWith('--', pos)) return { flags, restStart: pos };
    const start = pos;
    let word = '';
    let quote = '';
    let blankOk = false;
    for (; pos < s.length; pos++) {
      let ch = s[pos]!;
      if (quote === '') {
        if (isSpace(ch)) break;
        if (ch === '"' || ch === "'") { quote = ch; blankOk = true; continue; }
        if (ch === escape) {
          if (pos + 1 === s.length) continue;
          ch = s[++pos]!;
        }
        word += ch;
      } else {
        if (ch === quote) { quote = ''; continue; }
        if (ch === escape) {
          if (pos + 1 === s.length) { quote = ''; continue; }
          ch = s[++pos]!;
        }
        word += ch;
      }
    }
    if (word === '--') return { flags, restStart: pos };
    if (blankOk || word.length > 0) flags.push({ text: word, start, end: pos });
  }
}

/**
 * Shell-like words: split on whitespace outside quotes; quotes are kept; outside quotes the escape
 * token keeps itself and the next character; inside double quotes it protects the next character;
 * inside single quotes it is literal. A lone escape token at the very end is dropped.
 */
export function splitWords(s: string, escape: EscapeToken): RawWord[] {
  const words: RawWord[] = [];
  const chars = Array.from(s);
  let offset = 0;
  const offsets: number[] = [];
  for (const c of chars) { offsets.push(offset); offset += c.length; }
  offsets.push(offset);
  let word = '';
  let start = -1;
  let quote = '';
  let blankOk = false;
  let inWord = false;
  const flush = (end: number): void => {
    if (blankOk || word.length > 0) words.push({ text: word, start, end });
    word = ''; blankOk = false; inWord = false; quote = '';
  };
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i]!;
    if (!inWord) {
      if (isSpace(ch)) continue;
      inWord = true;
      start = offsets[i]!;
    }
    if (quote === '') {
      if (isSpace(ch)) { flush(offsets[i]!); continue; }
      if (ch === "'" || ch === '"') { quote = ch; blankOk = true; }
      else if (ch === escape) {
        if (i + 1 === chars.length) continue;
        word += ch;
        ch = chars[++i]!;
      }
      word += ch;
    } else {
      if (ch === quote) quote = '';
      else if (ch === escape && quote !== "'") {
        if (i + 1 === chars.length) { quote = ''; continue; }
        word += ch;
        ch = chars[++i]!;
      }
      word += ch;
    }
  }
  if (inWord) flush(offset);
  return words;
}

export type JsonResult = { kind: 'json'; values: string[] } | { kind: 'not-json' } | { kind: 'not-string-array' };

/** Exec form: a JSON array of strings. Invalid JSON is "not JSON" (shell form); non-strings are an error. */
export function parseJsonArray(rest: string): JsonResult {
  const text = trimLeftGoSpace(rest);
  if (!text.startsWith('[')) return { kind: 'not-json' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'not-json' };
  }
  if (!Array.isArray(value)) return { kind: 'not-json' };
  if (!value.every((v) => typeof v === 'string')) return { kind: 'not-string-array' };
  return { kind: 'json', values: value as string[] };
}

export { splitBlanks };
