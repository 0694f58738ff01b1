// Per-keyword argument splitting: turns the text after an instruction's flags into BuildKit's
// argument list (JSON exec form, whitespace words, one verbatim string, or ENV/LABEL triples).
import type { EscapeToken } from './nodes.ts';
import { isSpace, splitBlanks } from './text.ts';
import { parseJsonArray, splitWords } from './words.ts';

export interface SplitArgs {
  args: string[];
  json: boolean;
  /** A problem that makes the line invalid (the caller positions it). */
  error?: { code: string; message: string };
}

type Splitter = (rest: string, escape: EscapeToken, keyword: string) => SplitArgs;

const whitespaceWords: Splitter = (rest) => ({ args: splitBlanks(rest), json: false });

const NOT_STRINGS = { code: 'json-not-strings', message: 'the exec form must be a JSON array of strings' };

const maybeJsonList: Splitter = (rest) => {
  const j = parseJsonArray(rest);
  if (j.kind === 'json') return { args: j.values, json: true };
  // As for RUN/CMD: valid JSON that is not an array of strings is an error, not the shell form.
  if (j.kind === 'not-string-array') return { args: splitBlanks(rest), json: false, error: NOT_STRINGS };
  return { args: splitBlanks(rest), json: false };
};

const maybeJson: Splitter = (rest) => {
  if (rest === '') return { args: [], json: false };
  const j = parseJsonArray(rest);
  if (j.kind === 'json') return { args: j.values, json: true };
  if (j.kind === 'not-string-array') return { args: [rest], json: false, error: NOT_STRINGS };
  return { args: [rest], json: false };
};

const verbatim: Splitter = (rest) => ({ args: rest === '' ? [] : [rest], json: false });

const healthcheck: Splitter = (rest, escape, keyword) => {
  let sep = 0;
  while (sep < rest.length && !isSpace(rest[sep]!)) sep++;
  if (sep === 0) return { args: [], json: false };
  let next = sep;
  while (next < rest.length && isSpace(rest[next]!)) next++;
  const cmd = maybeJson(rest.slice(next), escape, keyword);
  return { ...cmd, args: [rest.slice(0, sep), ...cmd.args] };
};

const nameValue: Splitter = (rest, escape, keyword) => {
  const words = splitWords(rest, escape);
  if (words.length === 0) return { args: [], json: false };
  if (!words[0]!.text.includes('=')) {
    // Legacy `ENV key value with spaces`: one pair, the value verbatim.
    const m = /^([^\t\v\f\r ]*)[\t\v\f\r ]+([\s\S]*)$/.exec(rest);
    if (!m) {
      return { args: [], json: false, error: { code: 'missing-value', message: `${keyword} must have two arguments (${keyword} ${rest}=<value>)` } };
    }
    return { args: [m[1]!, m[2]!, ''], json: false };
  }
  const args: string[] = [];
  for (const w of words) {
    const eq = w.text.indexOf('=');
    if (eq < 0) {
      return { args, json: false, error: { code: 'missing-equals', message: `Syntax error - can't find = in "${w.text}". Must be of the form: name=value` } };
    }
    args.push(w.text.slice(0, eq), w.text.slice(eq + 1), '=');
  }
  return { args, json: false };
};

const shellWords: Splitter = (rest, escape) => ({ args: splitWords(rest, escape).map((w) => w.text), json: false });

const SPLITTERS: Record<string, Splitter> = {
  from: whitespaceWords,
  expose: whitespaceWords,
  add: maybeJsonList,
  copy: maybeJsonList,
  volume: maybeJsonList,
  run: maybeJson,
  cmd: maybeJson,
  entrypoint: maybeJson,
  shell: maybeJson,
  healthcheck,
  env: nameValue,
  label: nameValue,
  arg: shellWords,
  maintainer: verbatim,
  stopsignal: verbatim,
  user: verbatim,
  workdir: verbatim,
};

export const KNOWN_KEYWORDS: readonly string[] = [...Object.keys(SPLITTERS), 'onbuild'];

/** Splits `rest` for `name`; unknown keywords get BuildKit's single empty argument. */
export function splitArguments(name: string, keyword: string, rest: string, escape: EscapeToken): SplitArgs {
  const splitter = SPLITTERS[name];
  if (!splitter) return { args: [''], json: false };
  return splitter(rest, escape, keyword.toUpperCase());
}
