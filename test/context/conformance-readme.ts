// Reads the example tables of shared/conformance/dockerignore/README.md into test cases (undefined if the file is absent).

import { readFile } from 'node:fs/promises';

export const README_URL = new URL('../../../shared/conformance/dockerignore/README.md', import.meta.url);

/** "input becomes output" bullets of section 1: one line of .dockerignore → the pattern docker keeps. */
export interface CleanExample {
  input: string;
  expected: string;
}

/** One path checked against an ordered pattern list; `excluded` is the README's verdict. */
export interface MatchExample {
  patterns: string[];
  path: string;
  excluded: boolean;
  /** The README says the path is a directory ("(the directory)"). */
  isDir: boolean;
  row: string;
}

export interface ReadmeExamples {
  cleaning: CleanExample[];
  /** Patterns the README says make compiling fail. */
  invalid: string[];
  matching: MatchExample[];
}

export async function loadReadmeExamples(): Promise<ReadmeExamples | undefined> {
  let text: string;
  try {
    text = await readFile(README_URL, 'utf8');
  } catch {
    return undefined;
  }
  return parseReadme(text);
}

/** Table cells, splitting on `|` outside backticks. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inCode = false;
  for (const ch of row.trim().replace(/^\||\|$/g, '')) {
    if (ch === '`') inCode = !inCode;
    if (ch === '|' && !inCode) {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur.trim());
  return out;
}

/** Backticked spans of a cell, each with the plain text that follows it; spans inside (...) are dropped. */
function spans(cell: string): { code: string; after: string }[] {
  const parts = cell.split('`');
  const out: { code: string; after: string }[] = [];
  let depth = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (i % 2 === 0) {
      for (const ch of part) depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
      if (out.length > 0 && depth === 0) (out[out.length - 1] as { after: string }).after += part;
    } else if (depth === 0) {
      out.push({ code: part, after: '' });
    }
  }
  return out;
}

const verdict = (text: string): boolean | undefined => {
  const m = /\b(excluded|included)\b/.exec(text);
  return m === null ? undefined : m[1] === 'excluded';
};

export function parseReadme(text: string): ReadmeExamples {
  const lines = text.split('\n');
  const cleaning: CleanExample[] = [];
  const invalid: string[] = [];
  const matching: MatchExample[] = [];
  let inFailList = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const clean = /^\s*\*\s+`([^`]*)`\s+(?:becomes|stays)\s+`([^`]*)`/.exec(line);
    if (clean !== null) cleaning.push({ input: clean[1] as string, expected: clean[2] as string });
    if (/fails the whole build/.test(line)) inFailList = true;
    else if (inFailList && /^\s*\*/.test(line)) {
      const code = /`([^`]*)`/.exec(line);
      if (code !== null) invalid.push(code[1] as string);
    } else if (inFailList && line.trim() !== '') inFailList = false;

    // A table whose header is "pattern(s) | path | result".
    const header = line.trim().startsWith('|') ? cells(line).map((c) => c.toLowerCase()) : [];
    if (header.length !== 3 || !header[0]?.startsWith('pattern') || header[1] !== 'path' || header[2] !== 'result') continue;
    const ordered = header[0].startsWith('patterns');
    for (i += 2; i < lines.length && (lines[i] as string).trim().startsWith('|'); i++) {
      const row = lines[i] as string;
      const [patCell = '', pathCell = '', resultCell = ''] = cells(row);
      const patterns = spans(patCell).map((s) => s.code);
      const paths = spans(pathCell);
      const rowVerdict = verdict(resultCell);
      const isDir = /\(the directory\)/.test(pathCell);
      if (ordered) {
        const first = paths[0];
        if (first === undefined || rowVerdict === undefined) throw new Error(`unparsed README row: ${row}`);
        matching.push({ patterns, path: first.code, excluded: rowVerdict, isDir, row });
        continue;
      }
      // Single-pattern table: one pattern for every path, or patterns and paths paired up.
      const pairwise = patterns.length > 1;
      if (pairwise && patterns.length !== paths.length) throw new Error(`unparsed README row: ${row}`);
      paths.forEach((p, k) => {
        const excluded = verdict(p.after) ?? rowVerdict;
        if (excluded === undefined) throw new Error(`unparsed README row: ${row}`);
        matching.push({ patterns: [(pairwise ? patterns[k] : patterns[0]) as string], path: p.code, excluded, isDir, row });
      });
    }
  }
  return { cleaning, invalid, matching };
}
