// Reading .dockerignore text into rules, as docker's ignorefile.ReadAll + patternmatcher.New do, with line-numbered errors.

import { BerthError } from '../util/errors.ts';
import { cleanPath, scanLines, trimSpace } from './go-text.ts';
import { compilePattern, Pattern, PatternMatcher } from './pattern-matcher.ts';

/** One pattern as docker keeps it after reading the file (e.g. `!keep/me`), with its 1-based line. */
export interface IgnoreEntry {
  readonly pattern: string;
  readonly line: number;
}

export interface IgnoreRules {
  /** The ignore file the rules came from, if any (as given to parseDockerignore). */
  readonly file: string | undefined;
  readonly entries: readonly IgnoreEntry[];
  readonly matcher: PatternMatcher;
}

/** bufio.Scanner's default token limit: docker fails to read a line this long (in UTF-8 bytes). */
const MAX_LINE_BYTES = 64 * 1024;

/** Rules that exclude nothing. */
export function emptyIgnoreRules(): IgnoreRules {
  return { file: undefined, entries: [], matcher: new PatternMatcher([]) };
}

/**
 * The patterns of an ignore file, as `ignorefile.ReadAll`: BOM stripped, lines whose first character
 * is `#` dropped (before trimming), whitespace trimmed, blank lines dropped, each pattern cleaned like
 * a path with one leading `/` removed, `!` kept in front.
 */
export function readIgnoreEntries(text: string, file?: string): IgnoreEntry[] {
  const entries: IgnoreEntry[] = [];
  scanLines(text).forEach((raw, index) => {
    const line = index + 1;
    if (Buffer.byteLength(raw) >= MAX_LINE_BYTES) {
      throw new BerthError('DOCKERIGNORE', `${file ?? '.dockerignore'}:${line}: line is too long (docker reads at most 64 KiB per line)`, {
        ...(file === undefined ? {} : { file }),
        range: { start: { line, column: 1 }, end: { line, column: raw.length + 1 } },
      });
    }
    const text = index === 0 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
    if (text.startsWith('#')) return;
    let pattern = trimSpace(text);
    if (pattern === '') return;
    const exception = pattern.startsWith('!');
    if (exception) pattern = trimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    entries.push({ pattern: exception ? '!' + pattern : pattern, line });
  });
  return entries;
}

/**
 * Parses .dockerignore text into compiled rules. `file` names the file in errors (default
 * ".dockerignore"). Throws BerthError('DOCKERIGNORE') naming the file, line and pattern for a lone
 * `!` or a malformed pattern such as `[a-`: docker fails the whole build on those.
 */
export function parseDockerignore(text: string, file?: string): IgnoreRules {
  const label = file ?? '.dockerignore';
  const entries = readIgnoreEntries(text, file);
  const lines = scanLines(text);
  const patterns: Pattern[] = [];
  for (const entry of entries) {
    try {
      const compiled = compilePattern(entry.pattern);
      if (compiled !== undefined) patterns.push(compiled);
    } catch (e) {
      if (!(e instanceof BerthError)) throw e;
      const source = lines[entry.line - 1] ?? entry.pattern;
      const written = trimSpace(entry.line === 1 ? source.replace(/^\uFEFF/, '') : source);
      const column = source.indexOf(written) + 1;
      throw new BerthError('DOCKERIGNORE', `${label}:${entry.line}: invalid pattern ${JSON.stringify(written)}: ${e.message}`, {
        cause: e,
        ...(file === undefined ? {} : { file }),
        range: { start: { line: entry.line, column }, end: { line: entry.line, column: column + written.length } },
        excerpt: source,
        hint: 'Fix or remove the pattern; docker rejects the whole ignore file. Escape a literal [ or \\ with a backslash.',
      });
    }
  }
  return { file, entries, matcher: new PatternMatcher(patterns) };
}
