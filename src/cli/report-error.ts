// Errors → stderr text and exit codes the docker way; stack traces only for berth's own failures, under --debug.
import { BerthError, BerthErrors, isBerthError } from '../util/errors.ts';
import type { ErrorCode, SourceRange } from '../util/errors.ts';

/**
 * docker's convention: 1 when a command fails; for run-like verbs 125 when docker itself fails
 * (bad flag, no such image, runtime error), 126 when the container's command cannot be invoked
 * and 127 when it cannot be found. 126/127 wait for the runtime to report those cases with codes.
 */
export type ExitCode = 1 | 125 | 126 | 127;

/** 'container': verbs whose exit code otherwise is the container's own (run, exec). */
export type VerbKind = 'plain' | 'container';

/**
 * What went wrong: a user's mistake or a feature berth lacks ('gap') never shows a stack trace;
 * a bug in berth does, under --debug.
 */
type Fault = 'user' | 'gap' | 'bug';

// Every code not listed is a user's mistake (bad input, missing file or tool): the safe default,
// since a user's mistake must never show a stack trace.
const FAULT: Partial<Record<ErrorCode, Fault>> = {
  NOT_IMPLEMENTED: 'gap',
  INTERNAL: 'bug',
};

const CONTAINER_VERBS = new Set(['run', 'exec']);

export function verbKind(verb: string | undefined): VerbKind {
  return verb !== undefined && CONTAINER_VERBS.has(verb) ? 'container' : 'plain';
}

export interface ReportOptions {
  /** The verb that failed ("build", "system df"), for the `berth <verb>:` prefix. */
  verb?: string;
  kind?: VerbKind;
  debug?: boolean;
}

export function exitCodeFor(err: unknown, kind: VerbKind = 'plain'): ExitCode {
  const first = err instanceof BerthErrors ? err.errors[0] : err;
  // A verb berth does not have yet is not a failure of the container machinery.
  if (isBerthError(first) && first.code === 'NOT_IMPLEMENTED') return 1;
  return kind === 'container' ? 125 : 1;
}

/** Writes the error to stderr and returns the exit code. */
export function reportError(err: unknown, opts: ReportOptions = {}, write = (s: string) => void process.stderr.write(s)): ExitCode {
  write(formatError(err, opts));
  return exitCodeFor(err, opts.kind);
}

export function formatError(err: unknown, opts: ReportOptions = {}): string {
  const lines =
    err instanceof BerthErrors ? err.errors.flatMap((e) => formatBerthError(e, opts))
    : isBerthError(err) ? formatBerthError(err, opts)
    : formatForeignError(err, opts);
  return lines.map(visible).join('\n') + '\n';
}

/**
 * Control characters shown as escapes: messages quote names from archives, registries and
 * contexts, and a hostile one must not drive the user's terminal (ESC sequences) or hide text.
 */
function visible(line: string): string {
  return line.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function formatBerthError(e: BerthError, opts: ReportOptions): string[] {
  const where = e.file === undefined ? undefined : e.range ? `${e.file}:${e.range.start.line}:${e.range.start.column}` : e.file;
  const lines = [`${where ?? prefix(opts.verb)}: ${e.message}`];
  if (e.excerpt !== undefined) lines.push(...formatExcerpt(e.excerpt, e.range));
  if (e.hint) lines.push(`hint: ${e.hint}`);
  if (opts.debug) {
    lines.push(...causeLines(e.cause));
    if (FAULT[e.code] === 'bug' && e.stack) lines.push(...stackFrames(e.stack));
  }
  return lines;
}

/** Anything that is not a BerthError is a bug or an unexpected system failure: berth's fault, stack under --debug. */
function formatForeignError(err: unknown, opts: ReportOptions): string[] {
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`berth: ${message}`];
  if (opts.debug && err instanceof Error) {
    if (err.stack) lines.push(...stackFrames(err.stack));
    lines.push(...causeLines(err.cause));
  }
  return lines;
}

function prefix(verb: string | undefined): string {
  return verb ? `berth ${verb}` : 'berth';
}

/** The "    at ..." frames of a stack (its first lines repeat the message). */
function stackFrames(stack: string): string[] {
  return stack.split('\n').filter((l) => /^\s+at /.test(l));
}

function causeLines(cause: unknown, depth = 0): string[] {
  if (cause === undefined || depth >= 8) return [];
  const message = cause instanceof Error ? cause.message : String(cause);
  return [`caused by: ${message}`, ...causeLines(cause instanceof Error ? cause.cause : undefined, depth + 1)];
}

/**
 * The excerpt with a line-number gutter and carets under the range. The excerpt is taken to start
 * at the range's first line; without a range there are no numbers and no carets.
 */
export function formatExcerpt(excerpt: string, range: SourceRange | undefined): string[] {
  const texts = excerpt.replace(/\r?\n$/, '').split(/\r?\n/);
  const first = range?.start.line ?? 0;
  const width = range ? String(first + texts.length - 1).length : 0;
  const gutter = (label: string): string => ` ${label.padStart(width)} | `;
  const out: string[] = [];
  texts.forEach((text, i) => {
    out.push(gutter(range ? String(first + i) : '') + text);
    const marks = range && underline(text, first + i, range);
    if (marks) out.push(gutter('') + marks);
  });
  return out;
}

function underline(text: string, line: number, range: SourceRange): string | undefined {
  const { start, end } = range;
  if (line < start.line || line > end.line) return undefined;
  if (line > start.line && line === end.line && end.column <= 1) return undefined;
  const from = line === start.line ? start.column : text.search(/\S/) + 1;
  if (from <= 0) return undefined; // a blank line inside a multi-line range
  const to = line === end.line ? end.column : text.length + 1;
  // Keep tabs so the carets line up with what the terminal shows.
  const pad = [...text.slice(0, from - 1).padEnd(from - 1)].map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return pad + '^'.repeat(Math.max(1, to - from));
}
