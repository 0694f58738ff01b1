// Typed errors: every failure berth reports carries a stable code, an optional cause and,
// for Dockerfile problems, the source range; only the CLI turns them into text and exit codes.

/** A position in a source file: 1-based line, 1-based column (in UTF-16 code units). */
export interface Position {
  line: number;
  column: number;
}

/** A half-open range [start, end) in a source file. */
export interface SourceRange {
  start: Position;
  end: Position;
}

export type ErrorCode =
  | 'DOCKERFILE_SYNTAX'
  | 'DOCKERFILE_INSTRUCTION'
  | 'DOCKERFILE_FLAG'
  | 'DOCKERFILE_PLAN'
  | 'DOCKERFILE_EMPTY'
  | 'SHELL_EXPANSION'
  | 'DOCKERIGNORE'
  | 'CONTEXT'
  | 'NOT_FOUND'
  | 'INVALID_ARGUMENT'
  | 'NOT_IMPLEMENTED'
  | 'INVALID_REFERENCE'
  | 'INVALID_IMAGE'
  | 'INVALID_DIGEST'
  | 'INVALID_ARCHIVE'
  | 'UNSAFE_PATH'
  | 'COPY_FAILED'
  | 'MISSING_DEPENDENCY'
  | 'RUNTIME'
  | 'BUILD_FAILED'
  | 'INTERRUPTED'
  | 'REGISTRY'
  | 'REGISTRY_AUTH'
  | 'GIT_SOURCE'
  | 'UNSUPPORTED_PLATFORM'
  | 'INTERNAL';

export interface BerthErrorOptions {
  cause?: unknown;
  /** The file the error is about, e.g. "Dockerfile". */
  file?: string;
  range?: SourceRange;
  /** What the user can do about it. */
  hint?: string;
  /** The offending source line(s), shown under the message. */
  excerpt?: string;
}

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly range: SourceRange | undefined;
  readonly hint: string | undefined;
  readonly excerpt: string | undefined;

  constructor(code: ErrorCode, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BerthError';
    this.code = code;
    this.file = options.file;
    this.range = options.range;
    this.hint = options.hint;
    this.excerpt = options.excerpt;
  }
}

/** Several errors found in one pass (e.g. every bad line of a Dockerfile). */
export class BerthErrors extends Error {
  readonly errors: readonly BerthError[];
  constructor(errors: readonly BerthError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'BerthErrors';
    this.errors = errors;
  }
}

export function isBerthError(e: unknown): e is BerthError {
  return e instanceof BerthError;
}
