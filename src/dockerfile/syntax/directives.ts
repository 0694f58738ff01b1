// Parser directives (`# syntax=`, `# escape=`, `# check=`) read from the top of a Dockerfile.
import type { Diagnostic, Directive, EscapeToken } from './nodes.ts';
import { isSpace } from './text.ts';

/** Go's `\s` in BuildKit's directive regexp (RE2: ASCII only). */
const isRegexpSpace = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\f' || ch === '\r';
const isAsciiLetter = (ch: string | undefined): boolean => ch !== undefined && /^[a-zA-Z]$/.test(ch);
const isAsciiAlnum = (ch: string | undefined): boolean => ch !== undefined && /^[a-zA-Z0-9]$/.test(ch);

/**
 * One line as BuildKit's DirectiveParser reads it: leading whitespace (already stripped upstream
 * from an instruction's first line), `#`, whitespace, then `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
 * Hand-written so that long lines stay linear (the backtracking regexp was quadratic in V8).
 */
function matchDirective(line: string): { key: string; value: string } | undefined {
  let i = 0;
  while (i < line.length && isSpace(line[i]!)) i++;
  if (line[i] !== '#') return undefined;
  i++;
  while (i < line.length && isSpace(line[i]!)) i++;
  const keyStart = i;
  if (!isAsciiLetter(line[i])) return undefined;
  while (isAsciiAlnum(line[i])) i++;
  const key = line.slice(keyStart, i);
  while (isRegexpSpace(line[i])) i++;
  if (line[i] !== '=') return undefined;
  i++;
  const blanksStart = i;
  while (isRegexpSpace(line[i])) i++;
  let end = line.length;
  while (end > i && isRegexpSpace(line[end - 1])) end--;
  if (end > i) return { key, value: line.slice(i, end) };
  // Only blanks after `=`: the lazy `(.+?)` still needs one character, so it takes the last blank.
  if (line.length > blanksStart) return { key, value: line.slice(line.length - 1) };
  return undefined;
}

const KNOWN = new Set(['syntax', 'escape', 'check']);

export interface DirectiveScan {
  directives: Directive[];
  escapeToken: EscapeToken;
  diagnostics: Diagnostic[];
}

/**
 * Directives are only recognised in the leading run of `# key=value` lines; the first line that is
 * anything else (blank, a plain comment, an unknown key, an instruction) ends the run.
 */
export function scanDirectives(lines: readonly string[]): DirectiveScan {
  const directives: Directive[] = [];
  const diagnostics: Diagnostic[] = [];
  let escapeToken: EscapeToken = '\\';
  for (let i = 0; i < lines.length; i++) {
    const m = matchDirective(lines[i]!);
    if (!m) break;
    const name = m.key.toLowerCase();
    if (!KNOWN.has(name)) break;
    const value = m.value;
    const range = { start: { line: i + 1, column: 1 }, end: { line: i + 1, column: lines[i]!.length + 1 } };
    if (directives.some((d) => d.name === name)) {
      diagnostics.push({ severity: 'error', code: 'duplicate-directive', message: `only one ${name} parser directive can be used`, range });
      continue;
    }
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') {
        diagnostics.push({ severity: 'error', code: 'invalid-escape', message: `invalid escape token '${value}' does not match ` + '` or \\', range });
        continue;
      }
      escapeToken = value;
    }
    directives.push({ name: name as Directive['name'], value, range });
  }
  return { directives, escapeToken, diagnostics };
}
