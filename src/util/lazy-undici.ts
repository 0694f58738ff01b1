// undici, loaded on first use: about a megabyte of code and a dozen built-in modules (http, tls,
// zlib …) that berth's commands which never talk to a server (a build from the store) should not
// pay for at every start. Its agents trust the CAs a user added for node: bin/berth passes
// NODE_EXTRA_CA_CERTS on as BERTH_EXTRA_CA_CERTS, because node parses that file at every start
// (a tenth of a second for Debian's whole bundle) and berth needs it only for a TLS connection.
import { readFile } from 'node:fs/promises';
import type { Agent, Dispatcher } from 'undici';

type Undici = typeof import('undici');

let loading: Promise<Undici> | undefined;

export function undici(): Promise<Undici> {
  // Node gives a CommonJS package's exports as named exports; the bundle's chunk only as `default`.
  return (loading ??= import('undici').then((m) => (typeof m.Agent === 'function' ? m : (m as unknown as { default: Undici }).default)));
}

/**
 * The agent's options with the user's extra CAs added to the roots it trusts (node's own
 * NODE_EXTRA_CA_CERTS semantics: added to the system's roots, or to the CAs `connect.ca` gives).
 */
export async function withExtraCa(options: Agent.Options, file = process.env.BERTH_EXTRA_CA_CERTS): Promise<Agent.Options> {
  if (!file) return options;
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    return options; // node ignores an unreadable NODE_EXTRA_CA_CERTS with a warning; so does berth
  }
  const connect = (typeof options.connect === 'object' ? options.connect : {}) as { ca?: string | string[] };
  const given = connect.ca === undefined ? undefined : Array.isArray(connect.ca) ? connect.ca : [connect.ca];
  const roots = given ?? [...(await import('node:tls')).rootCertificates];
  return { ...options, connect: { ...connect, ca: [...roots, pem] } };
}

/** An undici Agent created with the first request. */
export class LazyAgent {
  private agent: Promise<Agent> | undefined;

  constructor(private readonly options: Agent.Options = {}) {}

  get(): Promise<Dispatcher> {
    return (this.agent ??= Promise.all([undici(), withExtraCa(this.options)]).then(([u, options]) => new u.Agent(options)));
  }

  async close(): Promise<void> {
    if (this.agent) await (await this.agent).close().catch(() => undefined);
  }
}
