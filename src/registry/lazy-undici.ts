// undici, loaded on first use: about a megabyte of code and a dozen built-in modules (http, tls,
// zlib …) that berth's commands which never talk to a registry (a build from the store) should not
// pay for at every start.
import type { Agent, Dispatcher } from 'undici';

type Undici = typeof import('undici');

let loading: Promise<Undici> | undefined;

export function undici(): Promise<Undici> {
  // Node gives a CommonJS package's exports as named exports; the bundle's chunk only as `default`.
  return (loading ??= import('undici').then((m) => (typeof m.Agent === 'function' ? m : (m as unknown as { default: Undici }).default)));
}

/** An undici Agent created with the first request. */
export class LazyAgent {
  private agent: Promise<Agent> | undefined;

  constructor(private readonly options: Agent.Options) {}

  get(): Promise<Dispatcher> {
    return (this.agent ??= undici().then((u) => new u.Agent(this.options)));
  }

  async close(): Promise<void> {
    if (this.agent) await (await this.agent).close().catch(() => undefined);
  }
}
