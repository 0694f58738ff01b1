// The two entry points: one word to one string (BuildKit ProcessWord) and text to split words
// (BuildKit ProcessWords).
import { BerthError } from '../../util/errors.ts';
import { WordLexer } from './lexer.ts';
import { StringSink, WordsSink } from './sinks.ts';
import type { EnvLookup, EscapeToken, ExpandOptions, ExpandResult } from './types.ts';

function escapeToken(opts: ExpandOptions | undefined): EscapeToken {
  const token = opts?.escapeToken ?? '\\';
  if (token !== '\\' && token !== '`') {
    throw new BerthError('INVALID_ARGUMENT', `escape token must be "\\" or "\`", got ${JSON.stringify(token)}`);
  }
  return token;
}

/**
 * Expands one Dockerfile word into one string: quotes and escapes are processed and removed,
 * variables expanded, whitespace kept. Used for FROM, ENV/ARG/LABEL values, WORKDIR, COPY paths…
 * Throws BerthError('SHELL_EXPANSION') on a syntax error or a failed `${v?msg}`.
 */
export function expandWord(word: string, env: EnvLookup, opts?: ExpandOptions): ExpandResult<string> {
  const lexer = new WordLexer(word, env, escapeToken(opts), opts?.skipQuotes === true);
  const sink = new StringSink();
  lexer.run(sink);
  return { value: sink.value, unmatched: lexer.unmatched, matched: lexer.matched };
}

/**
 * Expands text into words, splitting on unquoted whitespace, including whitespace inside the values
 * of unquoted expansions (used for EXPOSE). Quoted and escaped text is never split; no empty words.
 */
export function expandWords(text: string, env: EnvLookup, opts?: ExpandOptions): ExpandResult<string[]> {
  const lexer = new WordLexer(text, env, escapeToken(opts));
  const sink = new WordsSink();
  lexer.run(sink);
  return { value: sink.result(), unmatched: lexer.unmatched, matched: lexer.matched };
}
