// A bearer-token server for registry tests (Distribution's `auth: token:` scheme): checks Basic
// credentials or a refresh token, grants the requested scopes, signs ES256 JWTs that the registry
// verifies through the `x5c` header against its rootcertbundle, and can issue short-lived tokens.
// It runs in a child process of its own, so a test may block its event loop (spawnSync of a client)
// while the client fetches tokens.
//
//   const ts = await startTokenServer({ keyFile, certFile, issuer, service, users: { alice: 'pw' } });
//   ts.realm                  // http://127.0.0.1:PORT/token, the registry's auth.token.realm
//   await ts.setTokenTtl(3)   // from now on tokens stop working at the registry after 3 s
//   await ts.requests()       // every token request seen (grant type, account, scopes, status)
//   ts.mint(account, scopes)  // a token made here directly (for test code calling the registry API)
//   await ts.stop()
//
// GET /token  (docker's flow): Basic auth or none; `scope=` (repeatable), `service=`, `offline_token=true`
//             (then a refresh_token comes back, which docker stores as the identity token).
// POST /token (OAuth2 form): grant_type=password (username, password) or refresh_token (refresh_token).
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Distribution 2.8 accepts a token up to 60 s past its `exp` (token.Leeway); short TTLs subtract it. */
export const REGISTRY_LEEWAY_SECONDS = 60;

export interface TokenServerOptions {
  /** PEM private key (EC P-256) whose certificate is in the registry's rootcertbundle. */
  keyFile: string;
  certFile: string;
  issuer: string;
  service: string;
  /** username → password accepted by Basic auth and grant_type=password. */
  users: Record<string, string>;
  /** Lifetime of access tokens in seconds (default 300). */
  ttlSeconds?: number;
  /** Grant `pull` scopes to anonymous requests (default false: anonymous gets 401). */
  anonymousPull?: boolean;
}

export interface TokenRequest {
  method: 'GET' | 'POST';
  grant: 'basic' | 'anonymous' | 'password' | 'refresh_token';
  account: string | undefined;
  scopes: string[];
  offline: boolean;
  /** HTTP status answered. */
  status: number;
}

export interface TokenServer {
  /** The registry's `realm`: http://127.0.0.1:PORT/token */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** Every token request answered so far, in order. */
  requests(): Promise<TokenRequest[]>;
  /** Tokens issued from now on stop being accepted by the registry after `seconds`. */
  setTokenTtl(seconds: number): Promise<void>;
  /** Mints a token here, with the server's current TTL as last set through this object (for test code talking to the registry API). */
  mint(account: string, scopes: readonly string[]): string;
  stop(): Promise<void>;
}

interface Access { type: string; name: string; actions: string[] }

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** `repository:name:pull,push` → access entry; the name may itself hold colons (host:port/…) only before the last one. */
function parseScope(scope: string): Access | undefined {
  const last = scope.lastIndexOf(':');
  const first = scope.indexOf(':');
  if (first < 0 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (s: string) => {
      body += s;
      if (body.length > limit) req.destroy(new Error('token request body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** The JWT signer, used by the server process and by the test-side handle alike. */
class Minter {
  ttl: number;
  private readonly key: KeyObject;
  private readonly x5c: string;

  constructor(private readonly opts: TokenServerOptions) {
    this.ttl = opts.ttlSeconds ?? 300;
    this.key = createPrivateKey(readFileSync(opts.keyFile));
    this.x5c = new X509Certificate(readFileSync(opts.certFile)).raw.toString('base64');
  }

  mint(account: string, scopes: readonly string[]): string {
    const now = Math.floor(Date.now() / 1000);
    // The registry adds its leeway to exp; take it off so the token really dies after `ttl` seconds.
    const exp = now + this.ttl - REGISTRY_LEEWAY_SECONDS;
    const header = { typ: 'JWT', alg: 'ES256', x5c: [this.x5c] };
    const claims = {
      iss: this.opts.issuer, sub: account, aud: this.opts.service, exp, nbf: now - 1, iat: now,
      jti: randomBytes(12).toString('hex'), access: scopes.map(parseScope).filter((a): a is Access => a !== undefined),
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    // JWS ES256 wants the raw r||s signature, not DER.
    const sig = sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64url(sig)}`;
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The HTTP side, run in the child process: /token plus /_control/{ttl,requests} for the test. */
class TokenHttp {
  readonly requests: TokenRequest[] = [];
  private readonly minter: Minter;
  /** refresh token → account */
  private readonly refreshTokens = new Map<string, string>();
  readonly server: Server;

  constructor(private readonly opts: TokenServerOptions) {
    this.minter = new Minter(opts);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => reply(res, 500, { errors: [{ code: 'INTERNAL', message: String(e) }] }));
    });
  }

  private basic(req: IncomingMessage): { user: string; ok: boolean } | undefined {
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const text = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const user = colon < 0 ? text : text.slice(0, colon);
    return { user, ok: this.valid(user, colon < 0 ? '' : text.slice(colon + 1)) };
  }

  private valid(user: string, password: string | null): boolean {
    return Object.hasOwn(this.opts.users, user) && this.opts.users[user] === password;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/_control/ttl' && req.method === 'POST') {
      this.minter.ttl = Number(await readBody(req));
      return reply(res, 200, { ttl: this.minter.ttl });
    }
    if (url.pathname === '/_control/requests') return reply(res, 200, this.requests);
    if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
      return reply(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no such endpoint' }] });
    }
    const params = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const record: TokenRequest = { method: req.method, grant: 'anonymous', account: undefined, scopes, offline: false, status: 200 };
    this.requests.push(record);
    const deny = (status: number, error: string): void => {
      record.status = status;
      reply(res, status, { error, errors: [{ code: 'UNAUTHORIZED', message: error }] });
    };
    const service = params.get('service');
    if (service !== null && service !== this.opts.service) return deny(400, `unknown service ${service}`);

    let account: string | undefined;
    if (req.method === 'POST') {
      const grant = params.get('grant_type');
      if (grant === 'password') {
        record.grant = 'password';
        account = params.get('username') ?? '';
        if (!this.valid(account, params.get('password'))) return deny(401, 'invalid username or password');
      } else if (grant === 'refresh_token') {
        record.grant = 'refresh_token';
        account = this.refreshTokens.get(params.get('refresh_token') ?? '');
        if (account === undefined) return deny(401, 'invalid refresh token');
      } else {
        return deny(400, `unsupported grant_type ${grant}`);
      }
      record.offline = params.get('access_type') === 'offline';
    } else {
      const basic = this.basic(req);
      if (basic) {
        record.grant = 'basic';
        if (!basic.ok) return deny(401, 'invalid username or password');
        account = basic.user;
      } else if (!this.opts.anonymousPull) {
        return deny(401, 'authentication required');
      }
      record.offline = params.get('offline_token') === 'true';
    }
    record.account = account;
    // Users get what they ask for; anonymous callers only pull.
    const granted = account !== undefined ? scopes : scopes.map(parseScope)
      .filter((a): a is Access => a !== undefined && a.actions.includes('pull')).map((a) => `${a.type}:${a.name}:pull`);
    const token = this.minter.mint(account ?? '', granted);
    const body: Record<string, unknown> = { token, access_token: token, expires_in: this.minter.ttl, issued_at: new Date().toISOString(), scope: granted.join(' ') };
    if (record.offline && account !== undefined) {
      const refresh = randomBytes(24).toString('base64url');
      this.refreshTokens.set(refresh, account);
      body.refresh_token = refresh;
    }
    reply(res, 200, body);
  }
}

const SELF = fileURLToPath(import.meta.url);

/** Starts a token server in a child process on a free loopback port. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SELF, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = (): void => { child.kill('SIGKILL'); };
  process.on('exit', kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`the token server exited (${code}) before listening`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const minter = new Minter(opts);
  return {
    realm: `${base}/token`,
    service: opts.service,
    issuer: opts.issuer,
    async requests() {
      return (await (await fetch(`${base}/_control/requests`)).json()) as TokenRequest[];
    },
    async setTokenTtl(seconds: number) {
      minter.ttl = seconds;
      const r = await fetch(`${base}/_control/ttl`, { method: 'POST', body: String(seconds) });
      if (r.status !== 200) throw new Error(`setting the token TTL: HTTP ${r.status}`);
    },
    mint: (account, scopes) => minter.mint(account, scopes),
    async stop() {
      process.off('exit', kill);
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// Run as a script: serve, print the port on stdout, stop on SIGTERM.
if (process.argv[1] === SELF) {
  const http = new TokenHttp(JSON.parse(process.argv[2]!) as TokenServerOptions);
  http.server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(http.server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => {
    http.server.closeAllConnections();
    http.server.close(() => process.exit(0));
  });
}
