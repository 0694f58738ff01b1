// WWW-Authenticate (RFC 9110 §11.6.1) as registries send it: `Basic realm="…"` or
// `Bearer realm="…",service="…",scope="…"`, several challenges possibly in one header.

export interface Challenge {
  /** Lower-cased scheme: "basic", "bearer", … */
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** Parses every challenge in a header value; unreadable tails are dropped, never thrown. */
export function parseChallenges(header: string | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  let s = header.trim();
  let current: Challenge | undefined;
  while (s.length > 0) {
    s = s.replace(/^[\s,]+/, '');
    const tok = TOKEN.exec(s);
    if (!tok) break;
    const word = tok[0];
    const rest = s.slice(word.length);
    const param = /^\s*=\s*/.exec(rest);
    if (param && current) {
      s = rest.slice(param[0].length);
      let value: string;
      if (s.startsWith('"')) {
        // quoted-string with backslash escapes
        let i = 1;
        value = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        s = s.slice(i + 1);
      } else {
        // RFC 9110 wants a token here, but servers send bare URLs too: take everything up to a comma.
        const v = /^[^\s,]*/.exec(s);
        value = v ? v[0] : '';
        s = s.slice(value.length);
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
      s = rest;
    }
  }
  return out;
}

/** The challenge berth will answer: bearer before basic; undefined when neither is offered. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

/** `repository:<name>:<actions>` as the token server expects it. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}
