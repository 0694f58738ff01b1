// Public types of the shell-word expander: escape token, environment lookup, options and results.

/** The Dockerfile escape character (`# escape=` directive); backslash unless the file says otherwise. */
export type EscapeToken = '\\' | '`';

/** Looks a variable up: `undefined` means unset, `''` means set but empty. */
export type EnvLookup = (name: string) => string | undefined;

export interface ExpandOptions {
  /** Default `'\\'`. With `` '`' `` the backslash is an ordinary character. */
  escapeToken?: EscapeToken;
  /**
   * Quotes are ordinary characters (BuildKit's SkipProcessQuotes, used for heredoc bodies: the body
   * is a file or a script, its quotes belong to it); escapes and `$` expansions still apply.
   */
  skipQuotes?: boolean;
}

export interface ExpandResult<T> {
  value: T;
  /** Names referenced but unset (positional and special parameters such as `$1` or `$@` are not reported). */
  unmatched: Set<string>;
  /** Names referenced and set (possibly to the empty string). */
  matched: Set<string>;
}
