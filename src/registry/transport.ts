// The one place registry HTTP happens: undici requests with auth answered (one re-auth on a 401),
// redirects followed by hand (Authorization never follows to another host), retries with backoff
// on 408/429/5xx and dropped connections, an idle timeout on hung responses, and typed errors.
// Bodyless GETs (manifests, blobs) go through raw-get.ts, which reads bodies into reused buffers.
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { LazyAgent, undici, withExtraCa } from '../util/lazy-undici.ts';
import { Authenticator, type CredentialLookup } from './auth.ts';
import { discard, LIMITS, readCapped } from './bounded.ts';
import type { Endpoint } from './endpoint.ts';
import { isTransientNetworkError, parseDiagnostics, RegistryError } from './errors.ts';
import { RawClient, type RawTls } from './raw-get.ts';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, sleep, type RetryPolicy } from './retry.ts';

export interface TransportOptions {
  credentials?: CredentialLookup | undefined;
  signal?: AbortSignal | undefined;
  retry?: RetryPolicy | undefined;
  /** No byte for this long on an open response (headers or body) fails it: hung servers. */
  idleTimeoutMs?: number | undefined;
  /** Called before each backoff wait (progress can say "Retrying in N seconds"). */
  onRetry?: ((info: { attempt: number; delayMs: number; error: RegistryError }) => void) | undefined;
}

export type BodyFactory = () => Buffer | Readable | string;

export interface RequestSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the endpoint ("/v2/…") or an absolute URL (upload locations). */
  url: string;
  headers?: Record<string, string>;
  /** Called per attempt, so a retry sends the body again from its start. */
  body?: BodyFactory;
  /** Statuses that are success for this call. */
  ok: readonly number[];
  /** Token scopes the call needs. */
  scopes: readonly string[];
  /** Set false when the caller handles retries itself (resumable streams). */
  retry?: boolean;
  /** What the request is for, in error messages: "fetching manifest busybox:latest". */
  what: string;
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /**
   * The body without copies, where the response came through the raw client: each chunk's memory
   * is reused once the next is asked for. Read either this or `body`.
   */
  chunks?: (() => AsyncIterable<Buffer>) | undefined;
  /** The URL finally answered (after redirects). */
  url: string;
}

const DEFAULT_IDLE_MS = 60_000;
const MAX_REDIRECTS = 5;

export function header(res: { headers: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export class Transport {
  readonly auth: Authenticator;
  readonly dispatcher: LazyAgent;
  private readonly raw: RawClient;
  private readonly policy: RetryPolicy;

  constructor(readonly registry: string, readonly endpoint: Endpoint, private readonly opts: TransportOptions = {}) {
    const idle = opts.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    this.dispatcher = new LazyAgent({
      connect: { rejectUnauthorized: !endpoint.skipVerify, ...(endpoint.ca.length ? { ca: endpoint.ca } : {}) },
      headersTimeout: idle, bodyTimeout: idle, connections: 16,
    });
    let tls: Promise<RawTls> | undefined;
    // The CAs undici's agent would trust: the endpoint's, else the system's, plus the user's extra file.
    const rawTls = async (): Promise<RawTls> => {
      // Without verification no CA matters: skip reading them (node's root bundle takes ~50 ms to load).
      if (endpoint.skipVerify) return { ca: undefined, rejectUnauthorized: false };
      const { connect } = await withExtraCa({ connect: endpoint.ca.length ? { ca: endpoint.ca } : {} });
      const ca = (connect as { ca?: string | string[] } | undefined)?.ca;
      return { ca: ca === undefined ? undefined : Array.isArray(ca) ? ca : [ca], rejectUnauthorized: !endpoint.skipVerify };
    };
    this.raw = new RawClient(() => (tls ??= rawTls()), idle);
    this.auth = new Authenticator(registry, opts.credentials, this.dispatcher, opts.signal);
    this.policy = opts.retry ?? DEFAULT_RETRY;
  }

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  resolve(url: string): string {
    return /^https?:\/\//.test(url) ? url : new URL(url, this.endpoint.base + '/').toString();
  }

  /** Sends a request; resolves with a response whose status is in spec.ok (its body unread). */
  async send(spec: RequestSpec): Promise<Response> {
    const attempts = spec.retry === false ? 1 : this.policy.attempts;
    for (let attempt = 1; ; attempt++) {
      let failure: RegistryError;
      let retryAfter: number | undefined;
      try {
        const res = await this.authorized(spec);
        if (spec.ok.includes(res.status)) return res;
        failure = await this.statusError(spec, res);
        retryAfter = parseRetryAfter(header(res, 'retry-after'));
      } catch (e) {
        if (e instanceof RegistryError) failure = e;
        else if (this.opts.signal?.aborted) throw this.opts.signal.reason as Error;
        else failure = this.networkError(spec, e);
      }
      if (!failure.retryable || attempt >= attempts || this.opts.signal?.aborted) throw failure;
      const delayMs = backoffDelay(this.policy, attempt, retryAfter);
      this.opts.onRetry?.({ attempt, delayMs, error: failure });
      await sleep(delayMs, this.opts.signal);
    }
  }

  /** send(), then reads the body up to `limit` bytes. */
  async read(spec: RequestSpec, limit: number): Promise<{ res: Response; body: Buffer }> {
    const res = await this.send(spec);
    try {
      return { res, body: await readCapped(res.body, limit, header(res, 'content-length')) };
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      throw new RegistryError(`${spec.what}: ${(e as Error).message}`, { method: spec.method, url: res.url, cause: e, retryable: isTransientNetworkError(e) });
    }
  }

  /** One attempt, answering a 401 once (first challenge, or a token that expired in flight). */
  private async authorized(spec: RequestSpec): Promise<Response> {
    const hadChallenge = this.auth.known;
    const first = await this.once(spec, await this.auth.header(spec.scopes));
    if (first.status !== 401 || spec.ok.includes(401)) return first;
    const learned = this.auth.learn(first.headers['www-authenticate']);
    if (!learned) return first;
    if (hadChallenge && this.auth.scheme === 'basic') return first; // the same credentials again would fail again
    discard(first.body);
    this.auth.invalidate(spec.scopes);
    return this.once(spec, await this.auth.header(spec.scopes));
  }

  private async once(spec: RequestSpec, authorization: string | undefined): Promise<Response> {
    let url = this.resolve(spec.url);
    // Credentials go to the registry's own origin only: never to storage a blob GET redirects to,
    // nor to an upload Location on another host.
    const origin = new URL(this.endpoint.base).origin;
    let method: string = spec.method;
    let body = spec.body?.();
    for (let hop = 0; ; hop++) {
      const sameHost = new URL(url).origin === origin;
      const headers: Record<string, string> = { 'user-agent': 'berth', ...(spec.headers ?? {}) };
      if (authorization && sameHost) headers.authorization = authorization;
      const res = await this.exchange(url, method, headers, body);
      const location = header({ headers: res.headers }, 'location');
      if (![301, 302, 303, 307, 308].includes(res.status) || !location || spec.ok.includes(res.status)) return { ...res, url };
      discard(res.body);
      if (hop >= MAX_REDIRECTS) throw new RegistryError(`${spec.what}: too many redirects`, { method, url });
      url = new URL(location, url).toString(); // a relative Location is resolved against the request URL
      if (res.status === 303) { method = 'GET'; body = undefined; }
      else if (body !== undefined) body = spec.body?.();
    }
  }

  /** One HTTP exchange: a bodyless GET through the raw client if it can read the response, else undici. */
  private async exchange(url: string, method: string, headers: Record<string, string>, body: ReturnType<BodyFactory> | undefined): Promise<Omit<Response, 'url'>> {
    if (method === 'GET' && body === undefined) {
      const raw = await this.raw.get(url, headers, this.opts.signal);
      if (raw) return { status: raw.status, headers: raw.headers, body: raw.body, chunks: () => raw.chunks() };
    }
    const { request } = await undici();
    const res = await request(url, {
      method: method as Dispatcher.HttpMethod, headers, dispatcher: await this.dispatcher.get(),
      ...(body === undefined ? {} : { body }), ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  }

  private async statusError(spec: RequestSpec, res: Response): Promise<RegistryError> {
    const body = spec.method === 'HEAD' ? undefined : await readCapped(res.body, LIMITS.error, header(res, 'content-length')).catch(() => undefined);
    discard(res.body);
    const status = res.status;
    const diagnostics = parseDiagnostics(body);
    let message = `${spec.what}: ${this.registry} answered ${status}`;
    let hint: string | undefined;
    if (status === 401) { message = `${spec.what}: unauthorized`; hint = `log in with \`berth login ${this.registry}\``; }
    else if (status === 403) { message = `${spec.what}: denied`; hint = 'check that your account may access this repository'; }
    else if (status === 404) message = `${spec.what}: not found`;
    else if (status === 429) message = `${spec.what}: too many requests`;
    return new RegistryError(message, { status, diagnostics, method: spec.method, url: res.url, ...(hint ? { hint } : {}) });
  }

  networkError(spec: { method: string; url: string; what: string }, e: unknown): RegistryError {
    const code = (e as { code?: string }).code;
    const hung = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    const message = hung ? `${spec.what}: ${this.registry} stopped answering (no data for ${(this.opts.idleTimeoutMs ?? DEFAULT_IDLE_MS) / 1000} s)` : `${spec.what}: ${(e as Error).message}${code ? ` (${code})` : ''}`;
    return new RegistryError(message, { method: spec.method, url: this.resolve(spec.url), cause: e, retryable: isTransientNetworkError(e) });
  }

  async close(): Promise<void> {
    this.raw.close();
    await this.dispatcher.close();
  }
}
