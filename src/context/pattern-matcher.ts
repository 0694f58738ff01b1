// Docker's .dockerignore pattern semantics: compiling one pattern, and the last-match-wins matcher with `!` exceptions.

import { BerthError } from '../util/errors.ts';
import { globSyntaxError } from './glob-syntax.ts';
import { compileGoRegexp, GoRegexpError } from './go-regexp.ts';
import { cleanPath, trimSpace } from './go-text.ts';
import { LazyDfa } from './lazy-dfa.ts';

/**
 * How docker evaluates a pattern: `exact` compares strings, `prefix` is a literal followed by a final
 * `**`, `suffix` is a pattern whose first token is `**` with only literals after it, anything else is
 * a (Go) regular expression.
 */
export type PatternKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

/**
 * Characters docker escapes before building the regexp; all other text goes in verbatim. Upstream
 * lists `.+()|{}$`, but its 64-bit lookup table drops every character ≥ 64, so `|`, `{` and `}` reach
 * Go's regexp unescaped: `a|b` is an alternation (`^a` or `b$`) and `a{2}` a counted repetition.
 * (Only in patterns that become regexps; `a|b` alone is an exact match.)
 */
const REGEXP_ESCAPED = '.+()$';

export class Pattern {
  /** The cleaned pattern without its leading `!`. */
  readonly text: string;
  /** A `!` pattern: matching paths are re-included. */
  readonly exception: boolean;
  readonly kind: PatternKind;
  /** The Go regular expression docker builds (only for kind `regexp`). */
  readonly regexp: string | undefined;
  private readonly dfa: LazyDfa | undefined;

  constructor(text: string, exception: boolean) {
    this.text = text;
    this.exception = exception;
    const { kind, regexp } = translate(text);
    this.kind = kind;
    if (kind === 'regexp') {
      this.regexp = regexp;
      try {
        this.dfa = new LazyDfa(compileGoRegexp(regexp));
      } catch (e) {
        if (!(e instanceof GoRegexpError)) throw e;
        throw new BerthError('DOCKERIGNORE', `syntax error in pattern (${e.message})`, { cause: e });
      }
    }
  }

  /** Whether the pattern matches `path` itself (relative, `/`-separated, no leading `./`). */
  test(path: string): boolean {
    switch (this.kind) {
      case 'exact':
        return path === this.text;
      case 'prefix':
        return path.startsWith(this.text.slice(0, -2));
      case 'suffix': {
        const suffix = this.text.slice(2);
        return path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
      }
      case 'regexp':
        return (this.dfa as LazyDfa).matches(path);
    }
  }

  /** Whether the pattern might match some path strictly inside directory `dir` (may over-approximate). */
  couldMatchBelow(dir: string): boolean {
    const below = dir + '/';
    switch (this.kind) {
      case 'exact':
        return this.text.startsWith(below);
      case 'prefix': {
        const prefix = this.text.slice(0, -2);
        return below.startsWith(prefix) || prefix.startsWith(below);
      }
      case 'suffix':
        return true;
      case 'regexp':
        return (this.dfa as LazyDfa).couldMatchWithPrefix(below);
    }
  }
}

/** Docker's glob → regexp translation, including how it classifies the pattern. */
function translate(text: string): { kind: PatternKind; regexp: string } {
  let kind: PatternKind = 'exact';
  let re = '^';
  const chars = Array.from(text);
  if (chars[0] === '\uFEFF') chars.shift(); // Go's text/scanner skips a leading BOM
  for (let token = 0, i = 0; i < chars.length; token++) {
    const ch = chars[i++] as string;
    if (ch === '*' && chars[i] === '*') {
      i++;
      if (chars[i] === '/') i++;
      if (i >= chars.length) {
        if (kind === 'exact') kind = 'prefix';
        else {
          re += '.*';
          kind = 'regexp';
        }
      } else {
        re += '(.*/)?';
        kind = 'regexp';
      }
      if (token === 0) kind = 'suffix';
    } else if (ch === '*') {
      re += '[^/]*';
      kind = 'regexp';
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (REGEXP_ESCAPED.includes(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (i < chars.length) {
        re += '\\' + chars[i++];
        kind = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else {
      re += ch;
    }
  }
  return { kind, regexp: re + '$' };
}

/**
 * Compiles one line as docker's `patternmatcher.New` does: trim, `filepath.Clean` (applied to the
 * line *with* its `!`), split off the `!`, check the glob syntax. Returns undefined for a blank line.
 * Throws BerthError('DOCKERIGNORE') for a lone `!` or a malformed pattern.
 */
export function compilePattern(line: string): Pattern | undefined {
  let p = trimSpace(line);
  if (p === '') return undefined;
  p = cleanPath(p);
  let exception = false;
  if (p.startsWith('!')) {
    if (p.length === 1) throw new BerthError('DOCKERIGNORE', 'illegal exclusion pattern: "!"');
    exception = true;
    p = p.slice(1);
  }
  const problem = globSyntaxError(p);
  if (problem !== undefined) throw new BerthError('DOCKERIGNORE', `syntax error in pattern (${problem})`);
  return new Pattern(p, exception);
}

/** Per-pattern results for a path, reusable by its children: `hits[i]` = pattern i matched the path or an ancestor. */
export interface MatchState {
  readonly excluded: boolean;
  readonly hits: readonly boolean[];
}

const parentOf = (path: string): string | undefined => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
};

export class PatternMatcher {
  readonly patterns: readonly Pattern[];
  /** Whether any `!` pattern exists. */
  readonly hasExceptions: boolean;

  constructor(patterns: readonly Pattern[]) {
    this.patterns = patterns;
    this.hasExceptions = patterns.some((p) => p.exception);
  }

  /** Compiles pattern lines (as `patternmatcher.New`); errors name the offending pattern. */
  static compile(lines: readonly string[]): PatternMatcher {
    const patterns: Pattern[] = [];
    for (const line of lines) {
      try {
        const p = compilePattern(line);
        if (p !== undefined) patterns.push(p);
      } catch (e) {
        if (!(e instanceof BerthError)) throw e;
        throw new BerthError('DOCKERIGNORE', `invalid pattern ${JSON.stringify(line)}: ${e.message}`, { cause: e });
      }
    }
    return new PatternMatcher(patterns);
  }

  /** Last-match-wins over the patterns, looking at `path` itself only (no ancestor rule). */
  matches(path: string): boolean {
    for (let i = this.patterns.length - 1; i >= 0; i--) {
      const p = this.patterns[i] as Pattern;
      if (p.test(path)) return !p.exception;
    }
    return false;
  }

  /**
   * Docker's rule (`MatchesOrParentMatches`): true when the last pattern that matches `path` or one of
   * its ancestors is not an exception, i.e. the path is excluded from the context.
   */
  matchesOrParentMatches(path: string): boolean {
    const ancestors: string[] = [];
    for (let dir = parentOf(path); dir !== undefined; dir = parentOf(dir)) ancestors.push(dir);
    let matched = false;
    for (const p of this.patterns) {
      // Only patterns that would flip the current answer need evaluating (as upstream does).
      if (p.exception !== matched) continue;
      if (p.test(path) || ancestors.some((a) => p.test(a))) matched = !p.exception;
    }
    return matched;
  }

  /**
   * The same answer as matchesOrParentMatches, computed from the parent directory's state so that a
   * tree walk tests each pattern once per path rather than once per ancestor.
   */
  matchState(path: string, parent?: MatchState): MatchState {
    if (parent === undefined) {
      const dir = parentOf(path);
      if (dir !== undefined) parent = this.matchState(dir);
    }
    const hits = this.patterns.map((p, i) => parent?.hits[i] === true || p.test(path));
    const last = hits.lastIndexOf(true);
    return { excluded: last >= 0 && !(this.patterns[last] as Pattern).exception, hits };
  }

  /**
   * Whether anything strictly inside directory `dir` (in state `state`) can be included. An excluded
   * directory needs descending only if a `!` pattern later than the last pattern that excluded it
   * could match something inside it.
   */
  mayIncludeBelow(dir: string, state: MatchState = this.matchState(dir)): boolean {
    if (!state.excluded) return true;
    const last = state.hits.lastIndexOf(true);
    for (let i = last + 1; i < this.patterns.length; i++) {
      const p = this.patterns[i] as Pattern;
      if (p.exception && p.couldMatchBelow(dir)) return true;
    }
    return false;
  }
}
