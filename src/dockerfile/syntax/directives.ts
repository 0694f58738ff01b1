// Parser directives (`# syntax=`, `# escape=`, `# check=`) read from the top of a Dockerfile.
import type { Diagnostic, Directive, EscapeToken } from './nodes.ts';

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
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
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const name = m[1]!.toLowerCase();
    if (!KNOWN.has(name)) break;
    const value = m[2]!;
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
