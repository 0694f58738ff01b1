// "Did you mean ...?" for misspelled keywords, as BuildKit suggests them: the closest known word
// at an edit distance below 3 (none for an exact match), in the case the user wrote it in.

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Matches the case of `original`: all lower → lower, all upper → upper, mixed → as the candidate is. */
function matchCase(candidate: string, original: string): string {
  if (original === original.toLowerCase()) return candidate.toLowerCase();
  if (original === original.toUpperCase()) return candidate.toUpperCase();
  return candidate;
}

/**
 * The candidate closest to `word`, or undefined. Case-insensitive by default (the answer then takes
 * the case `word` was written in); `caseSensitive` compares as written and answers as written.
 */
export function suggest(word: string, candidates: readonly string[], options: { caseSensitive?: boolean } = {}): string | undefined {
  const fold = (s: string): string => (options.caseSensitive ? s : s.toLowerCase());
  const w = fold(word);
  if (w === '') return undefined;
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const fc = fold(c);
    if (fc === w) return undefined;
    const d = distance(w, fc);
    if (d < bestD) { best = fc; bestD = d; }
  }
  if (best === undefined) return undefined;
  return options.caseSensitive ? best : matchCase(best, word);
}
