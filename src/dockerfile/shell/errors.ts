// The SHELL_EXPANSION errors the expander throws, each naming the problem and the word.
import { BerthError } from '../../util/errors.ts';

const MAX_SHOWN = 200;

/** The word as shown in messages: double-quoted verbatim, shortened when very long. */
export function showWord(word: string): string {
  const chars = Array.from(word);
  const shown = chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}…` : word;
  return `"${shown}"`;
}

export function expansionError(problem: string, word: string, hint?: string): BerthError {
  return new BerthError('SHELL_EXPANSION', `${problem} in ${showWord(word)}`, hint === undefined ? {} : { hint });
}
