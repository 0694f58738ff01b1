// The CLI against Distribution 2.8 in each of the three set-ups (open HTTP, Basic auth over TLS,
// bearer tokens): berth login, push, pull, pull by digest, a cross-repository mount and logout, as
// a user runs them (DOCKER_CONFIG in a temp dir), with docker's output lines; stores pass
// `berth system check` and the registry holds no manifest with missing blobs. It runs the bundled
// CLI, bin/berth (built by `npm test`'s setup; `npm run build` first when running this file alone),
// so what is tested is what ships; BERTH_BIN names another berth executable.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, REPO } from '../build/e2e-helpers.ts';
import { REGISTRY_SETUPS, registryUnavailable, useRegistry } from '../helpers/registry-server.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-reg-setups-'));
after(() => rmSync(work, { recursive: true, force: true }));
const CLI = process.env.BERTH_BIN ?? path.join(REPO, 'bin', 'berth');
const BUNDLE = path.join(path.dirname(CLI), '..', 'dist', 'berth.js');
const notBuilt = existsSync(BUNDLE) ? undefined : `${BUNDLE} is missing: run \`npm run build\` first`;
if (!notBuilt && statSync(BUNDLE).mtimeMs < statSync(path.join(REPO, 'src', 'registry', 'index.ts')).mtimeMs) {
  console.log(`# ${BUNDLE} is older than src/registry: this file tests the bundle as built; run \`npm run build\` for the current source`);
}

interface Ran { code: number | null; stdout: string; stderr: string }

/** `berth --root ROOT ...args` with its own environment (async: the token server answers meanwhile). */
function berth(root: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, ['--root', root, ...args], {
      cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    if (input !== undefined) child.stdin!.end(input);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function show(r: Ran): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

async function ok(root: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  const r = await berth(root, args, env, input);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${show(r)}`);
  return r.stdout;
}

/** A failure must be one clear line or two (the error and a hint), never a stack trace. */
function assertCleanFailure(r: Ran, pattern: RegExp): void {
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, pattern, show(r));
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

for (const setup of REGISTRY_SETUPS) {
  describe(`berth CLI against the ${setup} registry`, { skip: skip ?? notBuilt }, () => {
    const reg = useRegistry(setup);
    const dir = mkdtempSync(path.join(work, `${setup}-`));
    const root = (name: string): string => path.join(dir, name);
    const configDir = path.join(dir, 'docker-config');
    let env: NodeJS.ProcessEnv = {};
    let host = '';

    before(async () => {
      host = reg.server.host;
      env = { DOCKER_CONFIG: configDir, REGISTRY_AUTH_FILE: path.join(dir, 'no-podman-auth.json'), BERTH_CERTS_DIR: reg.server.certsDir ?? '' };
      await importBusybox(root('src'), dir, `${host}/setups/busybox:1`);
    });

    it('login, push, pull, pull by digest, mount across repositories, logout', async () => {
      const { username, password } = reg.server;
      if (setup !== 'open') {
        const denied = await berth(root('src'), ['push', `${host}/setups/busybox:1`], env);
        assertCleanFailure(denied, /unauthorized|authentication required/i);
        const wrong = await berth(root('src'), ['login', '-u', username!, '--password-stdin', host], env, 'not-the-password\n');
        assertCleanFailure(wrong, /unauthorized|incorrect|invalid/i);
        assert.doesNotMatch(wrong.stderr, /not-the-password/, 'the password is never printed');
        assert.equal(existsSync(path.join(configDir, 'config.json')), false, 'nothing stored after a failed login');
        assert.equal(await ok(root('src'), ['login', '-u', username!, '--password-stdin', host], env, `${password}\n`), 'Login Succeeded\n');
        const config = JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { auths: Record<string, { auth?: string; identitytoken?: string }> };
        const entry = config.auths[host]!;
        assert.ok(entry.identitytoken !== undefined || Buffer.from(entry.auth ?? '', 'base64').toString() === `${username}:${password}`, JSON.stringify(entry));
      }

      const pushed = await ok(root('src'), ['push', `${host}/setups/busybox:1`], env);
      const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed)?.[1];
      assert.ok(digest, `push ends with docker's digest line:\n${pushed}`);

      const pulled = await ok(root('pulled'), ['pull', `${host}/setups/busybox:1`], env);
      assert.match(pulled, new RegExp(`^Digest: ${digest}$`, 'm'));
      assert.match(pulled, new RegExp(`^Status: Downloaded newer image for ${host}/setups/busybox:1$`, 'm'));
      assert.equal(pulled.trimEnd().split('\n').at(-1), `${host}/setups/busybox:1`);
      const idOf = async (r: string, ref: string): Promise<string> => (await ok(r, ['inspect', '--format', '{{.Id}}', ref], env)).trim();
      const id = await idOf(root('src'), `${host}/setups/busybox:1`);
      assert.equal(await idOf(root('pulled'), `${host}/setups/busybox:1`), id);

      const byDigest = await ok(root('by-digest'), ['pull', '-q', `${host}/setups/busybox@${digest}`], env);
      assert.equal(byDigest, `${host}/setups/busybox@${digest}\n`);
      assert.equal(await idOf(root('by-digest'), `${host}/setups/busybox@${digest}`), id);

      // The pulled store knows where its blobs came from: pushing to another repository mounts them.
      await ok(root('pulled'), ['tag', `${host}/setups/busybox:1`, `${host}/elsewhere/copy:2`], env);
      const mounted = await ok(root('pulled'), ['push', `${host}/elsewhere/copy:2`], env);
      assert.match(mounted, /: Mounted from setups\/busybox$/m, mounted);
      assert.match(mounted, new RegExp(`^2: digest: ${digest} size: \\d+$`, 'm'));
      assert.deepEqual(await reg.server.consistencyProblems(), []);

      if (setup !== 'open') {
        assert.equal(await ok(root('src'), ['logout', host], env), `Removing login credentials for ${host}\n`);
        const config = JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
        assert.deepEqual(config.auths, {});
        const after = await berth(root('after-logout'), ['pull', `${host}/setups/busybox:1`], env);
        assertCleanFailure(after, /unauthorized|authentication required/i);
      }
      for (const r of ['src', 'pulled', 'by-digest']) assert.equal(await ok(root(r), ['system', 'check'], env), 'the store is consistent\n', `system check of ${r}`);
    });
  });
}
