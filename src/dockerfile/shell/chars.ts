// Character classes of the lexer (all on single code points): variable-name characters, special
// parameters and whitespace, with the Unicode meanings Go's `unicode` package gives them.

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;
// Go's unicode.IsSpace is exactly the Unicode White_Space property.
const SPACE = /^\p{White_Space}$/u;
const HAS_SPACE = /\p{White_Space}/u;

/** Single-character special parameters (`$@`, `$*`, …); `0` is reached through the digit rule. */
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!']);

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** A decimal digit in any script (Unicode Nd), like Go's unicode.IsDigit. */
export function isDigit(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return c >= 0x30 && c <= 0x39;
  return DIGIT.test(ch);
}

/** A character that may continue a variable name: letter, digit or `_`. */
export function isNameChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
  return LETTER.test(ch) || DIGIT.test(ch);
}

export function isSpecialParam(ch: string): boolean {
  return SPECIAL_PARAMS.has(ch);
}

/** Positional (`1`, `001`) and special (`@`, `?`, …) parameters: never set in a Dockerfile. */
export function isParameterName(name: string): boolean {
  return isSpecialParam(name) || isDigit(String.fromCodePoint(name.codePointAt(0) ?? 0));
}

export function isSpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return SPACE.test(ch);
}

export function hasSpace(text: string): boolean {
  return HAS_SPACE.test(text);
}
