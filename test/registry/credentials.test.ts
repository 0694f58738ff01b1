// Registry credentials as docker keeps them: config.json `auths` (base64 user:password, identity
// tokens, docker.io's key, unknown keys and file mode kept, atomic rewrite), `credsStore` and
// `credHelpers` through a real docker-credential-test helper process on PATH, podman's auth.json
// as a fallback; skopeo reads what berth writes and berth reads what skopeo login writes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { eraseCredentials, findCredentials, getCredentials, storeCredentials, type CredentialOptions } from '../../src/registry/credentials.ts';
import { BerthError } from '../../src/util/errors.ts';
import { which } from '../helpers/dockerd.ts';
import { registryUnavailable, useRegistry } from '../helpers/registry-server.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-creds-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const HUB = 'https://index.docker.io/v1/';

/** A fresh config dir (not created yet) and options pointing at it, with no podman fallback. */
function fresh(extra: Partial<CredentialOptions> = {}): CredentialOptions & { configDir: string } {
  return { configDir: path.join(work, `cfg-${++n}`, '.docker'), podmanAuthFiles: [], ...extra };
}

function readConfig(o: { configDir: string }): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(o.configDir, 'config.json'), 'utf8')) as Record<string, unknown>;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

// A credential helper speaking docker's protocol, keeping one JSON file per server URL in
// $CRED_TEST_DIR and logging each call (action and server, never the secret) to $CRED_TEST_DIR/log.
const HELPER = `#!/usr/bin/env node
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const dir = process.env.CRED_TEST_DIR;
const action = process.argv[2];
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const server = action === 'store' ? JSON.parse(input).ServerURL : input.trim();
  fs.appendFileSync(path.join(dir, 'log'), action + ' ' + server + '\\n');
  const file = path.join(dir, crypto.createHash('sha256').update(server).digest('hex') + '.json');
  if (process.env.CRED_TEST_FAIL) { process.stdout.write('keychain is locked\\n'); process.exit(1); }
  if (action === 'store') { fs.writeFileSync(file, input); return; }
  if (!fs.existsSync(file)) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
  if (action === 'get') { process.stdout.write(fs.readFileSync(file)); return; }
  if (action === 'erase') { fs.unlinkSync(file); return; }
  process.stdout.write('unknown action\\n'); process.exit(1);
});
`;

/** Installs docker-credential-test in a fresh bin dir; returns its env (PATH first) and store dir. */
function installHelper(extraEnv: Record<string, string> = {}): { env: NodeJS.ProcessEnv; dir: string; log: () => string[] } {
  const bin = path.join(work, `bin-${++n}`);
  const dir = path.join(work, `helper-store-${n}`);
  mkdirSync(bin);
  mkdirSync(dir);
  writeFileSync(path.join(bin, 'docker-credential-test'), HELPER);
  chmodSync(path.join(bin, 'docker-credential-test'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, CRED_TEST_DIR: dir, ...extraEnv };
  const log = (): string[] => (existsSync(path.join(dir, 'log')) ? readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n') : []);
  return { env, dir, log };
}

describe('credentials in config.json', () => {
  it('stores user and password as docker does: base64 auth, tab-indented, 0600 file in a 0700 dir', async () => {
    const o = fresh();
    const where = await storeCredentials('127.0.0.1:5000', { username: 'alice', password: 's3cr:et' }, o);
    assert.equal(where.helper, undefined);
    assert.equal(where.file, path.join(o.configDir, 'config.json'));
    const text = readFileSync(where.file, 'utf8');
    assert.deepEqual(JSON.parse(text), { auths: { '127.0.0.1:5000': { auth: b64('alice:s3cr:et') } } });
    assert.match(text, /^\{\n\t"auths": \{\n\t\t"127\.0\.0\.1:5000": \{/);
    assert.equal(statSync(where.file).mode & 0o777, 0o600);
    assert.equal(statSync(o.configDir).mode & 0o777, 0o700);
    assert.deepEqual(await getCredentials('127.0.0.1:5000', o), { username: 'alice', password: 's3cr:et' });
    assert.equal(await getCredentials('127.0.0.1:5001', o), undefined);
    assert.deepEqual(readdirSync(o.configDir), ['config.json'], 'no temp file left behind');
  });

  it('keeps unknown keys, other registries, the file mode and a symlinked file', async () => {
    const o = fresh();
    const real = path.join(path.dirname(o.configDir), 'real-config.json');
    mkdirSync(o.configDir, { recursive: true });
    const before = { auths: { 'ghcr.io': { auth: b64('bob:pw') } }, psFormat: 'table {{.ID}}', proxies: { default: { httpProxy: 'http://p:3128' } }, experimental: 'enabled' };
    writeFileSync(real, JSON.stringify(before));
    chmodSync(real, 0o640);
    symlinkSync(real, path.join(o.configDir, 'config.json'));
    await storeCredentials('registry.example:443', { username: 'carol', password: 'pw2' }, o);
    const after1 = JSON.parse(readFileSync(real, 'utf8')) as typeof before & { auths: Record<string, unknown> };
    assert.deepEqual(after1, { ...before, auths: { ...before.auths, 'registry.example:443': { auth: b64('carol:pw2') } } });
    assert.equal(statSync(real).mode & 0o777, 0o640, 'an existing file keeps its mode');
    assert.ok(statSync(path.join(o.configDir, 'config.json'), { throwIfNoEntry: true }).isFile());
    assert.equal(await eraseCredentials('registry.example:443', o), true);
    assert.deepEqual(JSON.parse(readFileSync(real, 'utf8')), before);
  });

  it("uses docker.io's key https://index.docker.io/v1/ under any of its names", async () => {
    const o = fresh();
    await storeCredentials('docker.io', { username: 'dan', password: 'hub' }, o);
    assert.deepEqual(readConfig(o), { auths: { [HUB]: { auth: b64('dan:hub') } } });
    for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io', HUB]) {
      assert.deepEqual(await getCredentials(name, o), { username: 'dan', password: 'hub' }, name);
    }
    assert.equal(await eraseCredentials('index.docker.io', o), true);
    assert.deepEqual(readConfig(o), { auths: {} });
    assert.equal(await eraseCredentials('docker.io', o), false, 'nothing left to erase');
  });

  it('finds and erases entries written under other spellings (scheme, path)', async () => {
    const o = fresh();
    mkdirSync(o.configDir, { recursive: true });
    writeFileSync(path.join(o.configDir, 'config.json'), JSON.stringify({ auths: {
      'https://reg.example:5000/v2/': { auth: b64('erin:one') }, 'http://reg.example:5000': { username: 'erin', password: 'two' }, 'other.example': { auth: b64('x:y') },
    } }));
    assert.deepEqual(await getCredentials('reg.example:5000', o), { username: 'erin', password: 'one' });
    assert.equal(await eraseCredentials('reg.example:5000', o), true);
    assert.deepEqual(readConfig(o), { auths: { 'other.example': { auth: b64('x:y') } } });
  });

  it('stores an identity token with the user name in auth, and returns the token', async () => {
    const o = fresh();
    await storeCredentials('127.0.0.1:5000', { username: 'frank', identityToken: 'refresh-abc' }, o);
    assert.deepEqual(readConfig(o), { auths: { '127.0.0.1:5000': { auth: b64('frank:'), identitytoken: 'refresh-abc' } } });
    assert.deepEqual(await findCredentials('127.0.0.1:5000', o), {
      credentials: { identityToken: 'refresh-abc' }, username: 'frank', source: 'config', from: path.join(o.configDir, 'config.json'),
    });
  });

  it('honours DOCKER_CONFIG when no dir is given', async () => {
    const dir = path.join(work, `docker-config-env-${++n}`);
    const env = { ...process.env, DOCKER_CONFIG: dir };
    await storeCredentials('127.0.0.1:6000', { username: 'gina', password: 'pw' }, { env, podmanAuthFiles: [] });
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')), { auths: { '127.0.0.1:6000': { auth: b64('gina:pw') } } });
    assert.deepEqual(await getCredentials('127.0.0.1:6000', { env, podmanAuthFiles: [] }), { username: 'gina', password: 'pw' });
  });

  it('refuses a broken config file with a typed error naming it', async () => {
    const o = fresh();
    mkdirSync(o.configDir, { recursive: true });
    writeFileSync(path.join(o.configDir, 'config.json'), '{"auths": {');
    await assert.rejects(getCredentials('127.0.0.1:5000', o), (e: unknown) => e instanceof BerthError && e.code === 'REGISTRY_AUTH'
      && e.message.includes(path.join(o.configDir, 'config.json')) && e.message.includes('not valid JSON'));
    writeFileSync(path.join(o.configDir, 'config.json'), JSON.stringify({ auths: { 'h.example': { auth: b64('no-colon') } } }));
    await assert.rejects(getCredentials('h.example', o), /not base64 of "user:password"/);
  });
});

describe('credentials through docker-credential-* helpers', () => {
  it('credsStore: store, get and erase go to the helper; config.json keeps an empty entry', async () => {
    const h = installHelper();
    const o = fresh({ env: h.env });
    mkdirSync(o.configDir, { recursive: true });
    writeFileSync(path.join(o.configDir, 'config.json'), JSON.stringify({ credsStore: 'test', currentContext: 'default' }));
    const where = await storeCredentials('127.0.0.1:5000', { username: 'hank', password: 'helper-secret' }, o);
    assert.equal(where.helper, 'test');
    assert.deepEqual(readConfig(o), { credsStore: 'test', currentContext: 'default', auths: { '127.0.0.1:5000': {} } });
    assert.doesNotMatch(readFileSync(path.join(o.configDir, 'config.json'), 'utf8'), /helper-secret/);
    const stored = readdirSync(h.dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(path.join(h.dir, f), 'utf8')) as unknown);
    assert.deepEqual(stored, [{ ServerURL: '127.0.0.1:5000', Username: 'hank', Secret: 'helper-secret' }]);
    assert.deepEqual(await findCredentials('127.0.0.1:5000', o), { credentials: { username: 'hank', password: 'helper-secret' }, username: 'hank', source: 'helper', from: 'test' });
    assert.equal(await eraseCredentials('127.0.0.1:5000', o), true);
    assert.equal(await getCredentials('127.0.0.1:5000', o), undefined, "the helper's not-found answer means none");
    assert.deepEqual(readConfig(o), { credsStore: 'test', currentContext: 'default', auths: {} });
    assert.deepEqual(h.log(), ['store 127.0.0.1:5000', 'get 127.0.0.1:5000', 'erase 127.0.0.1:5000', 'erase http://127.0.0.1:5000', 'erase https://127.0.0.1:5000', 'get 127.0.0.1:5000']);
  });

  it('credHelpers for one host win over credsStore and the auths entry; identity tokens travel as <token>', async () => {
    const h = installHelper();
    const o = fresh({ env: h.env });
    mkdirSync(o.configDir, { recursive: true });
    writeFileSync(path.join(o.configDir, 'config.json'), JSON.stringify({
      credsStore: 'missing-store', credHelpers: { [HUB]: 'test' }, auths: { [HUB]: { auth: b64('stale:file-password') } },
    }));
    await storeCredentials('docker.io', { username: 'ivy', identityToken: 'idt-123' }, o);
    assert.deepEqual(await getCredentials('docker.io', o), { identityToken: 'idt-123' });
    const stored = readdirSync(h.dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(path.join(h.dir, f), 'utf8')) as unknown);
    assert.deepEqual(stored, [{ ServerURL: HUB, Username: '<token>', Secret: 'idt-123' }]);
    assert.deepEqual(readConfig(o).auths, { [HUB]: {} });
    // Another host falls to credsStore, whose helper is not installed: a typed error naming it.
    await assert.rejects(getCredentials('ghcr.io', o), (e: unknown) => e instanceof BerthError && e.code === 'REGISTRY_AUTH'
      && /docker-credential-missing-store is not installed/.test(e.message) && e.hint !== undefined);
  });

  it("a failing helper is a typed error carrying the helper's message, never the secret", async () => {
    const h = installHelper({ CRED_TEST_FAIL: '1' });
    const o = fresh({ env: h.env });
    mkdirSync(o.configDir, { recursive: true });
    writeFileSync(path.join(o.configDir, 'config.json'), JSON.stringify({ credsStore: 'test' }));
    await assert.rejects(storeCredentials('127.0.0.1:5000', { username: 'jo', password: 'do-not-print-me' }, o), (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.equal(e.code, 'REGISTRY_AUTH');
      assert.equal(e.message, 'credential helper docker-credential-test store failed (exit 1): keychain is locked');
      return true;
    });
    assert.deepEqual(readConfig(o), { credsStore: 'test' }, 'nothing written when the helper failed');
  });
});

describe("podman's auth.json as a fallback", () => {
  it('is read when docker has nothing for the host, from REGISTRY_AUTH_FILE', async () => {
    const authFile = path.join(work, `podman-${++n}.json`);
    writeFileSync(authFile, JSON.stringify({ auths: { 'quay.example': { auth: b64('kim:podman-pw') }, 'quay.example/team/app': { auth: b64('kim:repo-pw') }, '127.0.0.1:5000': { auth: b64('lee:podman') } } }));
    const o = { configDir: path.join(work, `cfg-${++n}`), env: { ...process.env, REGISTRY_AUTH_FILE: authFile } };
    await storeCredentials('127.0.0.1:5000', { username: 'lee', password: 'docker' }, o);
    assert.deepEqual(await findCredentials('quay.example', o), { credentials: { username: 'kim', password: 'podman-pw' }, username: 'kim', source: 'podman', from: authFile });
    assert.deepEqual(await getCredentials('127.0.0.1:5000', o), { username: 'lee', password: 'docker' }, "docker's config comes first");
    assert.equal(await getCredentials('nowhere.example', o), undefined);
  });

  it('looks in $XDG_RUNTIME_DIR/containers/auth.json without REGISTRY_AUTH_FILE', async () => {
    const runtime = path.join(work, `xdg-${++n}`);
    mkdirSync(path.join(runtime, 'containers'), { recursive: true });
    writeFileSync(path.join(runtime, 'containers', 'auth.json'), JSON.stringify({ auths: { 'xdg.example': { auth: b64('max:xdg') } } }));
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: path.join(work, 'nohome') };
    delete env.REGISTRY_AUTH_FILE;
    assert.deepEqual(await getCredentials('xdg.example', { configDir: path.join(work, `cfg-${++n}`), env }), { username: 'max', password: 'xdg' });
  });
});

/** Runs a tool without blocking the event loop. */
function tool(cmd: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe('credentials files shared with skopeo (Basic auth over TLS)', { skip: registryUnavailable() ?? (which('skopeo') ? undefined : 'skopeo is not installed') }, () => {
  const reg = useRegistry('basic-tls');

  it("skopeo authenticates with the config.json berth wrote; berth reads skopeo login's auth.json", async () => {
    const r = reg.server;
    const o = fresh();
    await storeCredentials(r.host, { username: r.username!, password: r.password! }, o);
    const certDir = path.join(r.certsDir!, r.host);
    const noAuth = await tool('skopeo', ['inspect', '--raw', '--cert-dir', certDir, '--authfile', path.join(work, 'none.json'), `docker://${r.host}/nothing/here:1`]);
    assert.notEqual(noAuth.code, 0);
    assert.match(noAuth.stderr, /unauthorized|authentication required/i);
    const withAuth = await tool('skopeo', ['inspect', '--raw', '--cert-dir', certDir, '--authfile', path.join(o.configDir, 'config.json'), `docker://${r.host}/nothing/here:1`]);
    assert.match(withAuth.stderr, /manifest unknown|name unknown|not found/i, 'authenticated: the registry says the image is missing, not who are you');

    const authFile = path.join(work, `skopeo-auth-${++n}.json`);
    const login = await tool('skopeo', ['login', '--cert-dir', certDir, '--authfile', authFile, '-u', r.username!, '--password-stdin', r.host], r.password!);
    assert.equal(login.code, 0, login.stderr);
    assert.deepEqual(await findCredentials(r.host, { configDir: path.join(work, `cfg-${++n}`), podmanAuthFiles: [authFile] }), {
      credentials: { username: r.username, password: r.password }, username: r.username, source: 'podman', from: authFile,
    });
  });
});
