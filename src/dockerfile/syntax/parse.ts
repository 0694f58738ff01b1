// Dockerfile text → syntax tree: directives, comments, line continuations, keyword/flags/arguments
// and heredoc bodies, every node positioned. Pure and total: problems become diagnostics, never throws.
import type { SourceRange } from '../../util/errors.ts';
import { splitArguments } from './arguments.ts';
import { scanDirectives } from './directives.ts';
import { heredocMarkers } from './heredoc-marker.ts';
import { LogicalLine } from './logical-line.ts';
import type { Diagnostic, EscapeToken, FlagNode, Heredoc, InstructionNode, ParseResult } from './nodes.ts';
import { isSpace, trimGoSpace } from './text.ts';
import { extractFlags } from './words.ts';

const HEREDOC_KEYWORDS = new Set(['run', 'copy', 'add']);

function splitPhysicalLines(text: string): string[] {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // A final newline does not start another line.
  if (lines.length > 0 && lines[lines.length - 1] === '' && body.endsWith('\n')) lines.pop();
  return lines;
}

function leadingBlanks(line: string): number {
  let i = 0;
  while (i < line.length && isSpace(line[i]!)) i++;
  return i;
}

const isCommentLine = (line: string): boolean => line[leadingBlanks(line)] === '#';
const isBlankLine = (line: string): boolean => leadingBlanks(line) === line.length;

/** Removes a trailing escape token (and the blanks after it); reports whether the line continues. */
function trimContinuation(line: string, escape: EscapeToken): { text: string; continues: boolean } {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  // An escaped escape token (`\\` at the end) is literal text, not a continuation.
  if (end > 0 && line[end - 1] === escape && (end === 1 || line[end - 2] !== escape)) {
    return { text: line.slice(0, end - 1), continues: true };
  }
  return { text: line, continues: false };
}

interface Cursor {
  lines: string[];
  /** Index of the next physical line to read. */
  next: number;
}

export function parseDockerfile(text: string): ParseResult {
  const lines = splitPhysicalLines(text);
  const { directives, escapeToken, diagnostics } = scanDirectives(lines);
  const instructions: InstructionNode[] = [];
  const cur: Cursor = { lines, next: 0 };

  while (cur.next < lines.length) {
    const index = cur.next++;
    const raw = lines[index]!;
    if (isCommentLine(raw) || isBlankLine(raw)) continue;
    const logical = new LogicalLine();
    const indent = leadingBlanks(raw);
    let { text: piece, continues } = trimContinuation(raw.slice(indent), escapeToken);
    logical.append(piece, index + 1, indent + 1);
    let lastLine = index;
    let sawEmptyContinuation = false;
    while (continues && cur.next < lines.length) {
      const li = cur.next++;
      const next = lines[li]!;
      lastLine = li;
      if (isCommentLine(next)) continue;
      if (isBlankLine(next)) { sawEmptyContinuation = true; continue; }
      ({ text: piece, continues } = trimContinuation(next, escapeToken));
      logical.append(piece, li + 1, 1);
    }
    if (trimGoSpace(logical.text) === '') continue;
    const node = buildNode(logical, 0, escapeToken, diagnostics);
    if (sawEmptyContinuation) {
      diagnostics.push({
        severity: 'warning', code: 'empty-continuation',
        message: 'empty continuation line found: empty continuation lines will become errors in a future release',
        range: node.range,
      });
    }
    const heredocTarget = node.name === 'onbuild' ? node.child : node;
    if (heredocTarget && HEREDOC_KEYWORDS.has(heredocTarget.name) && !heredocTarget.json && logical.text.includes('<<')) {
      lastLine = readHeredocs(heredocTarget, logical.text, cur, diagnostics, node.range) ?? lastLine;
    }
    node.range = { start: node.range.start, end: { line: lastLine + 1, column: lines[lastLine]!.length + 1 } };
    instructions.push(node);
  }

  if (instructions.length === 0 && !diagnostics.some((d) => d.severity === 'error')) {
    const end = { line: Math.max(lines.length, 1), column: 1 };
    diagnostics.push({ severity: 'error', code: 'empty-dockerfile', message: 'the Dockerfile has no instructions', range: { start: { line: 1, column: 1 }, end } });
  }
  return { tree: { directives, escapeToken, instructions, lines }, diagnostics };
}

/** Builds the node for the logical text starting at `offset` (ONBUILD recurses with its rest). */
function buildNode(logical: LogicalLine, offset: number, escape: EscapeToken, diagnostics: Diagnostic[]): InstructionNode {
  const full = logical.text;
  let start = offset;
  while (start < full.length && isSpace(full[start]!)) start++;
  let kwEnd = start;
  while (kwEnd < full.length && !/[\t\v\f\r ]/.test(full[kwEnd]!)) kwEnd++;
  const keyword = full.slice(start, kwEnd);
  const name = keyword.toLowerCase();
  const afterKeyword = full.slice(kwEnd);
  const scan = extractFlags(afterKeyword);
  const flags: FlagNode[] = scan.flags.map((f) => {
    const eq = f.text.indexOf('=');
    return {
      text: f.text,
      name: (eq < 0 ? f.text : f.text.slice(0, eq)).replace(/^--/, ''),
      value: eq < 0 ? undefined : f.text.slice(eq + 1),
      range: logical.rangeOf(kwEnd + f.start, kwEnd + f.end),
    };
  });
  const rest = trimGoSpace(afterKeyword.slice(scan.restStart));
  const range: SourceRange = logical.rangeOf(start, full.length);
  const node: InstructionNode = {
    keyword, name, flags, args: [], json: false, heredocs: [], child: undefined,
    original: full.slice(start), rest, range, keywordRange: logical.rangeOf(start, kwEnd),
  };
  if (name === 'onbuild') {
    if (rest !== '') {
      const restOffset = kwEnd + scan.restStart + (afterKeyword.slice(scan.restStart).length - afterKeyword.slice(scan.restStart).trimStart().length);
      node.child = buildNode(logical, restOffset, escape, diagnostics);
    }
    return node;
  }
  const split = splitArguments(name, keyword, rest, escape);
  node.args = split.args;
  node.json = split.json;
  if (split.error) diagnostics.push({ severity: 'error', code: split.error.code, message: split.error.message, range });
  return node;
}

/** Reads the bodies of the heredocs named on the line; returns the index of the last line consumed. */
function readHeredocs(node: InstructionNode, line: string, cur: Cursor, diagnostics: Diagnostic[], range: SourceRange): number | undefined {
  let last: number | undefined;
  for (const marker of heredocMarkers(line)) {
    const startLine = cur.next;
    let content = '';
    let terminated = false;
    while (cur.next < cur.lines.length) {
      const li = cur.next++;
      last = li;
      const body = cur.lines[li]!;
      const candidate = marker.chomp ? body.replace(/^\t+/, '') : body;
      if (candidate === marker.name) { terminated = true; break; }
      content += body + '\n';
    }
    const endLine = last ?? startLine;
    const hdRange = { start: { line: startLine + 1, column: 1 }, end: { line: endLine + 1, column: (cur.lines[endLine] ?? '').length + 1 } };
    if (!terminated) {
      diagnostics.push({ severity: 'error', code: 'unterminated-heredoc', message: `unterminated heredoc: no line "${marker.name}" ends the heredoc started here`, range });
      return last;
    }
    const heredoc: Heredoc = { ...marker, content, range: hdRange };
    node.heredocs.push(heredoc);
  }
  return last;
}
