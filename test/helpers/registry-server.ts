// A real registry for tests: Debian's `docker-registry` (Distribution 2.8) on a free loopback port
// with its storage in a temp dir, in one of three set-ups, plus an API client for checking it.
//
//   const reg = await startRegistry('open');        // plain HTTP, no auth
//   const reg = await startRegistry('basic-tls');   // htpasswd (bcrypt) Basic auth over TLS, self-signed CA
//   const reg = await startRegistry('token');       // bearer tokens from test/helpers/token-server.ts (plain HTTP)
//   reg.host      '127.0.0.1:PORT' (what goes in an image reference: `${reg.host}/repo:tag`)
//   reg.url       'http://127.0.0.1:PORT' or 'https://…'
//   reg.caFile    the CA certificate (basic-tls), reg.certsDir: docker's certs.d layout (<certsDir>/<host>/ca.crt)
//   reg.username / reg.password   credentials the registry (or its token server) accepts (basic-tls, token)
//   reg.tokenServer               the token server (token, its own process): await setTokenTtl(s), await requests(), mint()
//   reg.skopeoFlags('src'|'dest') flags for skopeo copy/inspect (TLS verify or cert dir, creds)
//   await reg.api('/v2/_catalog')  fetch with the registry's CA and admin credentials (token minted as needed)
//   await reg.consistencyProblems()  every tagged manifest whose config, layers or children are missing
//   await reg.stop()
//
// Or per test file: `const reg = useRegistry('token')` registers before/after hooks; `reg.server` in tests.
// Needs /usr/bin/docker-registry, openssl and htpasswd (apache2-utils) or python3's crypt for bcrypt.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch, Headers, type RequestInit, type Response } from 'undici';
import { which } from './dockerd.ts';
import { startTokenServer, type TokenServer } from './token-server.ts';

export type RegistrySetup = 'open' | 'basic-tls' | 'token';
export const REGISTRY_SETUPS: readonly RegistrySetup[] = ['open', 'basic-tls', 'token'];

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface StartRegistryOptions {
  /** token set-up: access-token lifetime in seconds (default 300; see TokenServer.setTokenTtl). */
  tokenTtlSeconds?: number;
  /** token set-up: anonymous callers may pull (default false). */
  anonymousPull?: boolean;
}

export interface RegistryServer {
  readonly setup: RegistrySetup;
  /** '127.0.0.1:PORT' */
  readonly host: string;
  readonly port: number;
  /** 'http://127.0.0.1:PORT' or 'https://127.0.0.1:PORT' */
  readonly url: string;
  readonly tls: boolean;
  /** CA certificate that signed the server's certificate (basic-tls). */
  readonly caFile: string | undefined;
  /** docker-style certs.d dir: `<certsDir>/<host>/ca.crt` (basic-tls). */
  readonly certsDir: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tokenServer: TokenServer | undefined;
  /** The temp dir holding config, certs, storage and log. */
  readonly dir: string;
  readonly storageDir: string;
  readonly logFile: string;
  /** skopeo flags for this registry on the source or destination side of `skopeo copy`. */
  skopeoFlags(side: 'src' | 'dest'): string[];
  /** Authenticated request to the registry API (path starting with /v2/). */
  api(apiPath: string, init?: RequestInit): Promise<Response>;
  /** Problems found walking every repository and tag: manifests referencing blobs or manifests the registry lacks. */
  consistencyProblems(): Promise<string[]>;
  /** The registry's log so far (the last `lines` lines). */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Why no registry can be started here, or undefined. */
export function registryUnavailable(): string | undefined {
  if (!existsSync(REGISTRY_BIN)) return `${REGISTRY_BIN} is missing (Debian package docker-registry)`;
  if (!which('openssl')) return 'openssl is missing';
  if (!which('htpasswd') && !which('python3')) return 'neither htpasswd (apache2-utils) nor python3 is installed to make a bcrypt htpasswd';
  return undefined;
}

function run(cmd: string, args: readonly string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** A CA and a server certificate for 127.0.0.1/localhost signed by it (EC P-256: quick to make). */
function makeTlsCerts(dir: string): { ca: string; cert: string; key: string } {
  const p = (f: string): string => path.join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '3', '-subj', '/CN=berth test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run('openssl', ['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('server.crt'), '-days', '3', '-extfile', p('server.ext')]);
  return { ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key') };
}

/** A self-signed signing certificate for tokens (the registry's rootcertbundle). */
function makeTokenCert(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'token.crt');
  const key = path.join(dir, 'token.key');
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '3', '-subj', '/CN=berth test token signer']);
  return { cert, key };
}

/** One bcrypt htpasswd line (Distribution accepts only bcrypt). */
function htpasswdLine(user: string, password: string): string {
  if (which('htpasswd')) return run('htpasswd', ['-Bbn', user, password]).trim();
  const hash = run('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH)))'], password).trim();
  return `${user}:${hash}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function yamlString(s: string): string {
  return JSON.stringify(s); // JSON strings are valid YAML scalars
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Descriptor { mediaType?: string; digest: string }
interface ManifestDoc { mediaType?: string; config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] }

class Registry implements RegistryServer {
  host = '';
  port = 0;
  url = '';
  caFile: string | undefined;
  certsDir: string | undefined;
  username: string | undefined;
  password: string | undefined;
  tokenServer: TokenServer | undefined;
  readonly storageDir: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private dispatcher: Agent | undefined;
  private readonly onExit = (): void => {
    try { this.child?.kill('SIGKILL'); } catch { /* gone */ }
  };

  constructor(readonly setup: RegistrySetup, readonly dir: string) {
    this.storageDir = path.join(dir, 'storage');
    this.logFile = path.join(dir, 'registry.log');
  }

  get tls(): boolean {
    return this.setup === 'basic-tls';
  }

  async launch(opts: StartRegistryOptions): Promise<void> {
    mkdirSync(this.storageDir);
    const authLines: string[] = [];
    const tlsLines: string[] = [];
    if (this.setup !== 'open') {
      this.username = 'berth-tester';
      this.password = `pw-${randomBytes(9).toString('base64url')}`;
    }
    if (this.setup === 'basic-tls') {
      const certs = makeTlsCerts(this.dir);
      this.caFile = certs.ca;
      tlsLines.push('  tls:', `    certificate: ${yamlString(certs.cert)}`, `    key: ${yamlString(certs.key)}`);
      const htpasswd = path.join(this.dir, 'htpasswd');
      writeFileSync(htpasswd, htpasswdLine(this.username!, this.password!) + '\n');
      authLines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${yamlString(htpasswd)}`);
      this.dispatcher = new Agent({ connect: { ca: readFileSync(certs.ca) } });
    }
    if (this.setup === 'token') {
      const signer = makeTokenCert(this.dir);
      this.tokenServer = await startTokenServer({
        keyFile: signer.key, certFile: signer.cert, issuer: 'berth-test-issuer', service: 'berth-test-registry',
        users: { [this.username!]: this.password! }, ttlSeconds: opts.tokenTtlSeconds, anonymousPull: opts.anonymousPull,
      });
      authLines.push('auth:', '  token:', `    realm: ${yamlString(this.tokenServer.realm)}`, '    service: berth-test-registry',
        '    issuer: berth-test-issuer', `    rootcertbundle: ${yamlString(signer.cert)}`);
    }
    // A port can be taken between freePort() and the registry binding it: try a few.
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      this.host = `127.0.0.1:${this.port}`;
      this.url = `${this.tls ? 'https' : 'http'}://${this.host}`;
      const config = path.join(this.dir, 'config.yml');
      writeFileSync(config, [
        'version: 0.1',
        'log:', '  level: info', '  accesslog:', '    disabled: false',
        'storage:', '  filesystem:', `    rootdirectory: ${yamlString(this.storageDir)}`, '  delete:', '    enabled: true',
        '  maintenance:', '    uploadpurging:', '      enabled: false',
        'http:', `  addr: ${this.host}`, `  secret: ${randomBytes(16).toString('hex')}`, ...tlsLines,
        ...authLines, '',
      ].join('\n'));
      try {
        await this.spawnAndWait(config);
        break;
      } catch (e) {
        if (attempt >= 3 || !/address already in use/.test(this.logTail(20))) throw e;
      }
    }
    if (this.caFile) {
      this.certsDir = path.join(this.dir, 'certs.d');
      mkdirSync(path.join(this.certsDir, this.host), { recursive: true });
      writeFileSync(path.join(this.certsDir, this.host, 'ca.crt'), readFileSync(this.caFile));
    }
  }

  private async spawnAndWait(config: string): Promise<void> {
    const log = openSync(this.logFile, 'a');
    try {
      this.child = spawn(REGISTRY_BIN, ['serve', config], { cwd: this.dir, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    process.on('exit', this.onExit);
    const end = Date.now() + 30_000;
    let last = '';
    while (Date.now() < end) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}) before answering; its log ends:\n${this.logTail(15)}`);
      }
      try {
        const r = await fetch(`${this.url}/v2/`, { dispatcher: this.dispatcher, signal: AbortSignal.timeout(2000) });
        await r.body?.cancel();
        if (r.status === 200 || r.status === 401) return;
        last = `HTTP ${r.status}`;
      } catch (e) {
        last = String((e as Error).cause ?? e);
      }
      await sleep(100);
    }
    throw new Error(`docker-registry did not answer on ${this.url} within 30 s (${last}); its log ends:\n${this.logTail(15)}`);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  skopeoFlags(side: 'src' | 'dest'): string[] {
    const flags = this.tls ? [`--${side}-cert-dir`, path.join(this.certsDir!, this.host)] : [`--${side}-tls-verify=false`];
    if (this.username !== undefined) flags.push(`--${side}-creds`, `${this.username}:${this.password}`);
    return flags;
  }

  /** The scope a token needs for an API path (admin: everything on that repository). */
  private scopeFor(apiPath: string): string {
    if (apiPath.startsWith('/v2/_catalog')) return 'registry:catalog:*';
    const m = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(apiPath);
    return m ? `repository:${m[1]}:pull,push,delete` : 'registry:catalog:*';
  }

  async api(apiPath: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.setup === 'basic-tls') headers.set('authorization', `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`);
    if (this.setup === 'token') headers.set('authorization', `Bearer ${this.tokenServer!.mint(this.username!, [this.scopeFor(apiPath)])}`);
    return fetch(`${this.url}${apiPath}`, { ...init, headers, dispatcher: this.dispatcher });
  }

  private async json<T>(apiPath: string, init: RequestInit = {}): Promise<T> {
    const r = await this.api(apiPath, init);
    if (r.status !== 200) throw new Error(`GET ${apiPath}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }

  async consistencyProblems(): Promise<string[]> {
    const problems: string[] = [];
    const { repositories } = await this.json<{ repositories: string[] }>('/v2/_catalog?n=1000');
    for (const repo of repositories) {
      // A repository holding blobs but no manifest yet (an unfinished push) has no tags to list.
      const listed = await this.api(`/v2/${repo}/tags/list`);
      const tags = listed.status === 404 ? [] : ((await listed.json()) as { tags: string[] | null }).tags;
      for (const tag of tags ?? []) await this.checkManifest(repo, tag, `${repo}:${tag}`, problems);
    }
    return problems;
  }

  private async checkManifest(repo: string, ref: string, label: string, problems: string[]): Promise<void> {
    const r = await this.api(`/v2/${repo}/manifests/${ref}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (r.status !== 200) {
      problems.push(`${label}: manifest ${ref} answers HTTP ${r.status}`);
      await r.body?.cancel();
      return;
    }
    const doc = (await r.json()) as ManifestDoc;
    for (const child of doc.manifests ?? []) await this.checkManifest(repo, child.digest, `${label} → ${child.digest}`, problems);
    for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
      const h = await this.api(`/v2/${repo}/blobs/${blob.digest}`, { method: 'HEAD' });
      if (h.status !== 200) problems.push(`${label}: blob ${blob.digest} answers HTTP ${h.status}`);
    }
  }

  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([this.exited!.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    await this.tokenServer?.stop();
    await this.dispatcher?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a registry in the given set-up; throws (with the registry's log) if it does not answer. */
export async function startRegistry(setup: RegistrySetup = 'open', opts: StartRegistryOptions = {}): Promise<RegistryServer> {
  const why = registryUnavailable();
  if (why) throw new Error(why);
  const reg = new Registry(setup, mkdtempSync(path.join(tmpdir(), `berth-reg-${setup}-`)));
  try {
    await reg.launch(opts);
  } catch (e) {
    await reg.stop();
    throw e;
  }
  return reg;
}

export interface RegistrySuite {
  /** The registry, once the before hook has started it (throws before that). */
  readonly server: RegistryServer;
}

/** Root before/after hooks running one registry for a test file. */
export function useRegistry(setup: RegistrySetup = 'open', opts: StartRegistryOptions = {}): RegistrySuite {
  let reg: RegistryServer | undefined;
  before(async () => {
    reg = await startRegistry(setup, opts);
  });
  after(async () => {
    await reg?.stop();
    reg = undefined;
  });
  return {
    get server(): RegistryServer {
      if (!reg) throw new Error(`the ${setup} registry is not running (used outside a test?)`);
      return reg;
    },
  };
}
