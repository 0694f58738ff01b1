// Go-compatible text helpers the ignore rules depend on: filepath.Clean, strings.TrimSpace and line splitting.

/** Lexical path clean with Go's `filepath.Clean` rules on a `/`-separated path. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      const last = out[out.length - 1];
      if (last !== undefined && last !== '..') out.pop();
      else if (!rooted) out.push('..');
      // `/..` is `/`: nothing to do when rooted.
      continue;
    }
    out.push(segment);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

// unicode.IsSpace: ASCII \t \n \v \f \r and space, plus U+0085, U+00A0 and the Unicode White_Space set.
// This differs from String.prototype.trim, which also strips U+FEFF but not U+0085.
function isGoSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Go's `strings.TrimSpace`. (None of its space characters is a surrogate, so UTF-16 units suffice.) */
export function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Lines as Go's `bufio.ScanLines` yields them: split on `\n`, one trailing `\r` dropped, no final empty line. */
export function scanLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
