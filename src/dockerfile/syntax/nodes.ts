// The Dockerfile syntax tree: one node per logical instruction line, lossless enough to print
// BuildKit's AST dump and positioned (line/column ranges) for every error berth reports.
import type { SourceRange } from '../../util/errors.ts';

export type EscapeToken = '\\' | '`';

/** A `# name=value` parser directive at the top of the file. */
export interface Directive {
  name: 'syntax' | 'escape' | 'check';
  value: string;
  range: SourceRange;
}

/** A heredoc body attached to a RUN, COPY or ADD line (`<<EOF`, `<<-EOF`, `<<'EOF'`, `3<<EOF`). */
export interface Heredoc {
  /** The terminator word with quotes removed. */
  name: string;
  /** False when any part of the word was quoted: the body is not variable-expanded. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from each body line (done by the instruction layer). */
  chomp: boolean;
  /** File descriptor for `N<<EOF` forms, when given. */
  fd: number | undefined;
  /** The raw body, each line with its original ending ("\n", or "\r\n" in a CRLF file), terminator excluded. */
  content: string;
  range: SourceRange;
}

/** A `--name[=value]` word right after the keyword, quotes removed. */
export interface FlagNode {
  /** As BuildKit stores it: `--name=value` or `--name`. */
  text: string;
  name: string;
  /** undefined for a bare `--name`. */
  value: string | undefined;
  range: SourceRange;
}

export interface InstructionNode {
  /** The keyword exactly as written (`RUN`, `run`, ...). */
  keyword: string;
  /** The keyword lowercased: the key every later stage switches on. */
  name: string;
  flags: FlagNode[];
  /**
   * Arguments as BuildKit's parser splits them per keyword (see the conformance README):
   * JSON-form elements, whitespace words, one verbatim string, or ENV/LABEL key/value/sep triples.
   */
  args: string[];
  /** True when the arguments came from a JSON array (exec form). */
  json: boolean;
  heredocs: Heredoc[];
  /** ONBUILD only: the nested instruction. */
  child: InstructionNode | undefined;
  /** The logical line after continuation joining, keyword included. */
  original: string;
  /** The text after the keyword and flags, trimmed: what `args` were split from. */
  rest: string;
  /** From the keyword's first character to the end of the last physical line (heredocs included). */
  range: SourceRange;
  keywordRange: SourceRange;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** A stable identifier, e.g. `unknown-instruction`, `empty-continuation`. */
  code: string;
  message: string;
  range: SourceRange;
}

export interface DockerfileTree {
  directives: Directive[];
  escapeToken: EscapeToken;
  instructions: InstructionNode[];
  /** The source split into physical lines (without line terminators), for excerpts in errors. */
  lines: string[];
}

export interface ParseResult {
  tree: DockerfileTree;
  diagnostics: Diagnostic[];
}
