// Recognises heredoc markers (`<<EOF`, `<<-EOF`, `3<<"EOF"`, `<<E'O'F`) among an instruction's words.
import { splitWords } from './words.ts';

export interface HeredocMarker {
  name: string;
  expand: boolean;
  chomp: boolean;
  fd: number | undefined;
}

const MARKER = /^(\d*)<<(-?)([^<]*)$/;

/** Removes quotes and backslash escapes from a word; reports whether any quoting was present. */
function unquote(word: string): { text: string; quoted: boolean } | undefined {
  let text = '';
  let quoted = false;
  let quote = '';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    if (quote === '') {
      if (ch === "'" || ch === '"') { quote = ch; quoted = true; continue; }
      if (ch === '\\' && i + 1 < word.length) { text += word[++i]!; quoted = true; continue; }
      if (ch === '$') return undefined; // a variable in a terminator is not a heredoc BuildKit reads
      text += ch;
    } else if (ch === quote) {
      quote = '';
    } else if (quote === '"' && ch === '\\' && i + 1 < word.length) {
      text += word[++i]!;
    } else {
      text += ch;
    }
  }
  if (quote !== '') return undefined;
  return { text, quoted };
}

export function parseHeredocMarker(word: string): HeredocMarker | undefined {
  const m = MARKER.exec(word);
  if (!m || m[3] === '') return undefined;
  const unq = unquote(m[3]!);
  if (!unq || unq.text === '' || /\s/.test(unq.text)) return undefined;
  return { name: unq.text, expand: !unq.quoted, chomp: m[2] === '-', fd: m[1] === '' ? undefined : Number(m[1]) };
}

/** Every heredoc marker on a logical line, in order. */
export function heredocMarkers(line: string): HeredocMarker[] {
  const out: HeredocMarker[] = [];
  for (const w of splitWords(line, '\\')) {
    const marker = parseHeredocMarker(w.text);
    if (marker) out.push(marker);
  }
  return out;
}
