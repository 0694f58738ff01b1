// Go's fmt verbs as BuildKit's history lines use them: %q of a string (strconv.Quote), %q and %v of
// a []string, and time.Duration's String.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (SHORT[ch]) out += SHORT[ch];
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/** fmt's %q of a []string: `["a" "b c"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/** fmt's %v of a []string: `[a b c]`. */
export function goList(list: readonly string[]): string {
  return `[${list.join(' ')}]`;
}

/** The digits of v / 10**prec after the point, trailing zeros (and the point, if nothing is left) dropped. */
function frac(v: bigint, prec: number): { text: string; rest: bigint } {
  let text = '';
  let printed = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    printed ||= digit !== 0n;
    if (printed) text = digit.toString() + text;
    v /= 10n;
  }
  return { text: printed ? '.' + text : '', rest: v };
}

/** time.Duration(ns).String(): `0s`, `1.5ms`, `90s` → `1m30s`, `1h0m0s`. */
export function goDuration(ns: number): string {
  let u = BigInt(Math.round(Math.abs(ns)));
  const sign = ns < 0 ? '-' : '';
  if (u === 0n) return '0s';
  if (u < 1_000_000_000n) {
    const [prec, unit] = u < 1000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const f = frac(u, prec);
    return `${sign}${f.rest}${f.text}${unit}`;
  }
  const f = frac(u, 9);
  u = f.rest;
  let out = `${u % 60n}${f.text}s`;
  u /= 60n;
  if (u > 0n) {
    out = `${u % 60n}m${out}`;
    u /= 60n;
    if (u > 0n) out = `${u}h${out}`;
  }
  return sign + out;
}
