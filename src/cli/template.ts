// The small subset of Go templates that `--format` needs: {{.Field.Sub}}, {{.}}, {{json .X}}, {{upper .X}}, {{lower .X}}, {{join .X ","}},
// {{index .X KEY...}}.
import { BerthError } from '../util/errors.ts';

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;

const FUNCTIONS = new Set(['json', 'upper', 'lower', 'join', 'index']);

/**
 * What Go's parser refuses before any data is seen, so a listing with no rows still reports it:
 * an action left open (the text after the last `}}` that still holds `{{`) and unknown functions.
 */
export function checkTemplate(template: string): void {
  let last = 0;
  for (const m of template.matchAll(ACTION)) {
    const open = template.slice(last, m.index).indexOf('{{');
    if (open >= 0) throw unclosed(template, last + open);
    const head = m[1]!.match(/^\S+/)?.[0];
    if (head !== undefined && !head.startsWith('.') && !head.startsWith('"') && !FUNCTIONS.has(head)) throw unknownFunction(head);
    last = m.index + m[0].length;
  }
  const open = template.indexOf('{{', last);
  if (open >= 0) throw unclosed(template, open);
}

const unclosed = (template: string, at: number): BerthError =>
  templateError(`:${template.slice(0, at).split('\n').length}: unclosed action`, 'close each {{ with }}');

const unknownFunction = (name: string): BerthError =>
  templateError(`function "${name}" not defined`, 'berth supports .Field, json, upper, lower, join and index in --format');

export function renderTemplate(template: string, data: unknown): string {
  checkTemplate(template);
  return template.replace(ACTION, (_whole, action: string) => evaluate(action, data));
}

function evaluate(action: string, data: unknown): string {
  const words = action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const [head, ...args] = words;
  if (head === undefined) throw templateError(`missing value for command in "{{${action}}}"`);
  if (head.startsWith('.')) {
    if (args.length > 0) throw templateError(`unexpected "${args[0]}" in "{{${action}}}"`);
    return show(lookup(head, data));
  }
  const arg = (i: number): unknown => {
    const word = args[i];
    if (word === undefined) throw templateError(`wrong number of args for ${head} in "{{${action}}}"`);
    if (word.startsWith('"')) return JSON.parse(word) as unknown;
    return /^-?\d+$/.test(word) ? Number(word) : lookup(word, data);
  };
  switch (head) {
    case 'json':
      return JSON.stringify(arg(0) ?? null);
    case 'upper':
      return show(arg(0)).toUpperCase();
    case 'lower':
      return show(arg(0)).toLowerCase();
    case 'join': {
      const list = arg(0);
      return Array.isArray(list) ? list.map(show).join(show(arg(1))) : show(list);
    }
    case 'index': {
      // As docker's typed maps (labels: map[string]string): a missing key is the empty string.
      let value = arg(0);
      for (let i = 1; i < args.length; i++) value = indexInto(value, arg(i), action);
      return value === undefined ? '' : show(value);
    }
    default:
      throw unknownFunction(head);
  }
}

function indexInto(value: unknown, key: unknown, action: string): unknown {
  if (Array.isArray(value)) {
    if (typeof key !== 'number') throw templateError(`error calling index: cannot index slice/array with type string in "{{${action}}}"`);
    if (key < 0 || key >= value.length) throw templateError(`error calling index: index out of range: ${key} in "{{${action}}}"`);
    return value[key];
  }
  if (value !== null && typeof value === 'object') return (value as Record<string, unknown>)[String(key)];
  if (value === undefined || value === null) return undefined;
  throw templateError(`error calling index: can't index item of type ${typeof value} in "{{${action}}}"`);
}

/** `.` is the data itself; `.A.B` walks fields. A missing field renders as Go does: "<no value>". */
function lookup(path: string, data: unknown): unknown {
  if (!path.startsWith('.')) throw templateError(`unexpected "${path}" in template`);
  let value: unknown = data;
  for (const name of path.slice(1).split('.').filter(Boolean)) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function templateError(message: string, hint?: string): BerthError {
  return new BerthError('INVALID_ARGUMENT', `template: ${message}`, hint === undefined ? {} : { hint });
}
