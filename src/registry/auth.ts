// Answers a registry's challenges: Basic with the user's credentials, or the bearer-token flow
// (GET the realm with service and scopes, Basic credentials if any; identity tokens as OAuth2
// refresh tokens by POST). Tokens are cached per scope set until shortly before they expire; a
// 401 on a request that carried a token drops it and fetches a fresh one (expiry mid-push).
import type { Dispatcher } from 'undici';
import { undici, type LazyAgent } from '../util/lazy-undici.ts';
import { readCapped, LIMITS } from './bounded.ts';
import { parseChallenges, pickChallenge, type Challenge } from './challenge.ts';
import { parseDiagnostics, RegistryError } from './errors.ts';

export type Credentials =
  | { username: string; password: string }
  | { identityToken: string };

/** Looks up credentials for a registry host (as keyed in docker's config.json); undefined when none. */
export type CredentialLookup = (registry: string) => Promise<Credentials | undefined>;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Refresh this long before the server's expiry, so a token does not lapse in flight. */
const EXPIRY_SLACK_MS = 5_000;

export class Authenticator {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private credentials: Promise<Credentials | undefined> | undefined;
  private refreshToken: string | undefined;
  /** Token fetches made (tests bound it). */
  tokenFetches = 0;

  constructor(
    private readonly registry: string,
    private readonly lookup: CredentialLookup | undefined,
    private readonly dispatcher: LazyAgent,
    private readonly signal?: AbortSignal,
  ) {}

  private creds(): Promise<Credentials | undefined> {
    this.credentials ??= this.lookup ? this.lookup(this.registry) : Promise.resolve(undefined);
    return this.credentials;
  }

  /** True once the registry has said how it wants to be authenticated. */
  get known(): boolean {
    return this.challenge !== undefined;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** Records the registry's challenge (from a 401 on /v2/ or any request). */
  learn(wwwAuthenticate: string | string[] | undefined): boolean {
    const header = Array.isArray(wwwAuthenticate) ? wwwAuthenticate.join(', ') : wwwAuthenticate;
    const picked = pickChallenge(parseChallenges(header));
    if (!picked) return false;
    this.challenge = picked;
    return true;
  }

  /** The Authorization header for a request needing `scopes`, or undefined when anonymous. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      const c = await this.creds();
      if (!c) return undefined;
      if ('identityToken' in c) return undefined;
      return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    }
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - EXPIRY_SLACK_MS > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.fetchToken(scopes);
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  /** Forgets cached tokens for a scope set (after a 401 on a request that carried one). */
  invalidate(scopes: readonly string[]): void {
    this.tokens.delete([...scopes].sort().join(' '));
  }

  private async fetchToken(scopes: readonly string[]): Promise<CachedToken> {
    const ch = this.challenge!;
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError(`${this.registry} asked for a bearer token without saying where to get one (no realm)`, { method: 'GET', url: `https://${this.registry}/v2/` });
    let url: URL;
    try { url = new URL(realm); } catch { throw new RegistryError(`${this.registry} gave an invalid token realm`, { method: 'GET', url: `https://${this.registry}/v2/` }); }
    const all = new Set(scopes);
    if (ch.params.scope) for (const s of ch.params.scope.split(' ')) if (s) all.add(s);
    const creds = await this.creds();
    this.tokenFetches++;
    let res: Dispatcher.ResponseData;
    const headers: Record<string, string> = { 'user-agent': 'berth' };
    if (creds && 'identityToken' in creds || this.refreshToken) {
      // OAuth2 refresh-token grant (docker's identity tokens).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.refreshToken ?? (creds as { identityToken: string }).identityToken, client_id: 'berth' });
      if (ch.params.service) form.set('service', ch.params.service);
      if (all.size) form.set('scope', [...all].join(' '));
      headers['content-type'] = 'application/x-www-form-urlencoded';
      res = await this.call(url, 'POST', headers, form.toString());
    } else {
      if (ch.params.service) url.searchParams.set('service', ch.params.service);
      for (const s of all) url.searchParams.append('scope', s);
      if (creds && 'username' in creds) {
        url.searchParams.set('account', creds.username);
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
      res = await this.call(url, 'GET', headers);
    }
    const body = await readCapped(res.body, LIMITS.token, res.headers['content-length']).catch((e: unknown) => {
      throw new RegistryError(`the token server's answer is too large`, { method: 'GET', url: url.toString(), cause: e });
    });
    if (res.statusCode !== 200) {
      const auth = res.statusCode === 401 || res.statusCode === 403;
      throw new RegistryError(
        auth ? `${this.registry}: unauthorized: incorrect username or password` : `the token server for ${this.registry} answered ${res.statusCode}`,
        { status: res.statusCode, method: 'GET', url: url.toString(), diagnostics: parseDiagnostics(body), ...(auth ? { retryable: false, hint: 'log in again with `berth login`' } : {}) },
      );
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
    try { doc = JSON.parse(body.toString('utf8')) as typeof doc; } catch (e) {
      throw new RegistryError(`the token server for ${this.registry} did not answer JSON`, { method: 'GET', url: url.toString(), cause: e });
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : typeof doc.access_token === 'string' ? doc.access_token : '';
    if (!token) throw new RegistryError(`the token server for ${this.registry} gave no token`, { method: 'GET', url: url.toString() });
    if (typeof doc.refresh_token === 'string' && doc.refresh_token) this.refreshToken = doc.refresh_token;
    // Distribution's default when expires_in is absent: 60 s.
    const seconds = typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : 60;
    return { token, expiresAt: Date.now() + seconds * 1000 };
  }

  private async call(url: URL, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<Dispatcher.ResponseData> {
    try {
      const { request } = await undici();
      return await request(url, { method, headers, dispatcher: await this.dispatcher.get(), ...(body === undefined ? {} : { body }), ...(this.signal ? { signal: this.signal } : {}) });
    } catch (e) {
      throw new RegistryError(`cannot reach the token server for ${this.registry}: ${(e as Error).message}`, { method, url: url.toString(), cause: e, retryable: true });
    }
  }
}
