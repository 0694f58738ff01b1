// --chmod values: octal (up to 07777, special bits included) or chmod(1)-style symbolic modes, applied with a zero umask.

import { BerthError } from '../../util/errors.ts';

export interface ChmodSpec {
  /** The value as written, for messages. */
  readonly text: string;
  /** The octal value, or undefined for a symbolic mode. */
  readonly octal: number | undefined;
  /** The new permission bits (07777) of an entry with st_mode `mode`. */
  apply(mode: number): number;
}

interface Clause {
  who: number;
  ops: { op: '+' | '-' | '='; perm: string }[];
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };
const CLAUSE = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/;

function invalid(text: string): BerthError {
  return new BerthError(
    'INVALID_ARGUMENT',
    `invalid chmod parameter: '${text}'. it should be octal string and between 0 and 07777, or a symbolic mode like u+x,go-w`,
  );
}

/** Parses a --chmod value as BuildKit does (octal first, else a symbolic mode). */
export function parseChmod(text: string): ChmodSpec {
  if (/^[0-9]+$/.test(text)) {
    if (!/^[0-7]+$/.test(text) || parseInt(text, 8) > 0o7777) throw invalid(text);
    const octal = parseInt(text, 8);
    return { text, octal, apply: () => octal };
  }
  const clauses: Clause[] = [];
  for (const part of text.split(',')) {
    const m = CLAUSE.exec(part);
    if (!m) throw invalid(text);
    const who = [...(m[1] ?? '')].reduce((acc, c) => acc | (WHO[c] ?? 0), 0);
    const ops = [...(m[2] ?? '').matchAll(/([-+=])([rwxXst]*|[ugo])/g)].map((o) => ({ op: o[1] as '+' | '-' | '=', perm: o[2] ?? '' }));
    clauses.push({ who, ops });
  }
  return { text, octal: undefined, apply: (mode) => applySymbolic(clauses, mode) };
}

/** The bits `perm` stands for, given the clause's `who` (0 = all, umask 0) and the mode so far. */
function bits(perm: string, who: number, original: number, current: number): number {
  const all = who === 0 ? 0o7777 : who;
  if (perm === 'u' || perm === 'g' || perm === 'o') {
    const shift = perm === 'u' ? 6 : perm === 'g' ? 3 : 0;
    const rwx = (current >> shift) & 0o7;
    return (rwx * 0o111) & all & 0o777;
  }
  let b = 0;
  for (const c of perm) {
    if (c === 'r') b |= 0o444;
    else if (c === 'w') b |= 0o222;
    else if (c === 'x') b |= 0o111;
    else if (c === 'X') {
      // Execute only for directories and files something may already execute (chmod(1)).
      if ((original & S_IFMT) === S_IFDIR || (original & 0o111) !== 0) b |= 0o111;
    } else if (c === 's') b |= 0o6000;
    else if (c === 't') b |= 0o1000;
  }
  return b & all;
}

function applySymbolic(clauses: readonly Clause[], mode: number): number {
  let perm = mode & 0o7777;
  for (const { who, ops } of clauses) {
    const mask = who === 0 ? 0o7777 : who;
    for (const { op, perm: p } of ops) {
      const b = bits(p, who, mode, perm);
      if (op === '+') perm |= b;
      else if (op === '-') perm &= ~b;
      else perm = (perm & ~(mask & 0o7777)) | b;
    }
  }
  return perm & 0o7777;
}
