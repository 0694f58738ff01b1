// Dockerfile text → syntax tree: directives, comments, line continuations, keyword/flags/arguments
// and heredoc bodies, every node positioned. Pure and total: problems become diagnostics, never throws.
import type { SourceRange } from '../../util/errors.ts';
import { splitArguments } from './arguments.ts';
import { scanDirectives } from './directives.ts';
import { HeredocLexError, heredocMarkers, type HeredocMarker } from './heredoc-marker.ts';
import { LogicalLine } from './logical-line.ts';
import type { Diagnostic, EscapeToken, FlagNode, Heredoc, InstructionNode, ParseResult } from './nodes.ts';
import { isSpace, trimGoSpace } from './text.ts';
import { extractFlags } from './words.ts';

const HEREDOC_KEYWORDS = new Set(['run', 'copy', 'add']);

/**
 * ONBUILD's argument is parsed as a nested instruction. BuildKit recurses without bound (and its
 * instruction layer then rejects any `ONBUILD ONBUILD`); we stop at this depth with an error so that
 * neither the parser nor anything walking the tree can exhaust the stack.
 */
export const MAX_ONBUILD_DEPTH = 32;

interface PhysicalLines {
  /** Lines without their terminator: the `\n` and every `\r` before it (BuildKit's trimNewline). */
  lines: string[];
  /** What was removed from each line (`\n`, `\r\n`, or `` at EOF): heredoc bodies keep it raw. */
  endings: string[];
}

function splitPhysicalLines(text: string): PhysicalLines {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const pieces = body.split('\n');
  // A final newline does not start another line.
  if (pieces.length > 1 && pieces[pieces.length - 1] === '') pieces.pop();
  const lines: string[] = [];
  const endings: string[] = [];
  pieces.forEach((piece, i) => {
    let end = piece.length;
    while (end > 0 && piece[end - 1] === '\r') end--;
    lines.push(piece.slice(0, end));
    endings.push(piece.slice(end) + (i < pieces.length - 1 || body.endsWith('\n') ? '\n' : ''));
  });
  return { lines, endings };
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
  endings: string[];
  /** Index of the next physical line to read. */
  next: number;
}

export function parseDockerfile(text: string): ParseResult {
  const { lines, endings } = splitPhysicalLines(text);
  const { directives, escapeToken, diagnostics } = scanDirectives(lines);
  const instructions: InstructionNode[] = [];
  const cur: Cursor = { lines, endings, next: 0 };

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
    const node = buildNode(logical, 0, 0, escapeToken, diagnostics);
    if (sawEmptyContinuation) {
      diagnostics.push({
        severity: 'warning', code: 'empty-continuation',
        message: 'empty continuation line found: empty continuation lines will become errors in a future release',
        range: node.range,
      });
    }
    const heredocTarget = node.name === 'onbuild' ? node.child : node;
    if (heredocTarget && HEREDOC_KEYWORDS.has(heredocTarget.name) && !heredocTarget.json && logical.text.includes('<<')) {
      lastLine = readHeredocs(heredocTarget, logical.text, cur, diagnostics, node.range, lastLine);
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
function buildNode(logical: LogicalLine, offset: number, depth: number, escape: EscapeToken, diagnostics: Diagnostic[]): InstructionNode {
  const full = logical.text;
  let start = offset;
  while (start < full.length && isSpace(full[start]!)) start++;
  // BuildKit trims the line (Unicode spaces) before splitting off the keyword.
  let end = full.length;
  while (end > start && isSpace(full[end - 1]!)) end--;
  let kwEnd = start;
  while (kwEnd < end && !/[\t\v\f\r ]/.test(full[kwEnd]!)) kwEnd++;
  const keyword = full.slice(start, kwEnd);
  const name = keyword.toLowerCase();
  const afterKeyword = full.slice(kwEnd);
  const scan = extractFlags(afterKeyword, escape);
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
    if (rest === '') return node;
    if (depth + 1 >= MAX_ONBUILD_DEPTH) {
      diagnostics.push({
        severity: 'error', code: 'onbuild-nesting',
        message: `ONBUILD nested more than ${MAX_ONBUILD_DEPTH} levels deep; chaining ONBUILD via \`ONBUILD ONBUILD\` isn't allowed`,
        range,
      });
      return node;
    }
    // buildNode skips the blanks before the nested keyword itself.
    node.child = buildNode(logical, kwEnd + scan.restStart, depth + 1, escape, diagnostics);
    return node;
  }
  const split = splitArguments(name, keyword, rest, escape);
  node.args = split.args;
  node.json = split.json;
  if (split.error) diagnostics.push({ severity: 'error', code: split.error.code, message: split.error.message, range });
  return node;
}

/** Reads the bodies of the heredocs named on the line; returns the index of the last line consumed. */
function readHeredocs(node: InstructionNode, line: string, cur: Cursor, diagnostics: Diagnostic[], range: SourceRange, lastLine: number): number {
  let markers: HeredocMarker[];
  try {
    markers = heredocMarkers(line);
  } catch (e) {
    if (!(e instanceof HeredocLexError)) throw e;
    diagnostics.push({ severity: 'error', code: 'invalid-heredoc', message: `invalid heredoc: ${e.message}`, range });
    return lastLine;
  }
  let last = lastLine;
  for (const marker of markers) {
    const startLine = cur.next;
    let content = '';
    let terminated = false;
    while (cur.next < cur.lines.length) {
      const li = cur.next++;
      last = li;
      const body = cur.lines[li]!;
      let tabs = 0;
      if (marker.chomp) while (body[tabs] === '\t') tabs++;
      if (body.slice(tabs) === marker.name) { terminated = true; break; }
      // Raw, line ending included (a CRLF file keeps its `\r`), as BuildKit stores it.
      content += body + cur.endings[li]!;
    }
    const endLine = Math.max(last, startLine);
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
