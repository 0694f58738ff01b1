// Login, push, pull, pull by digest, cross-repository mount and logout against Distribution 2.8
// with htpasswd Basic auth over TLS (the self-signed CA found through a certs.d dir) and with
// bearer tokens from a token server; wrong passwords fail fast with REGISTRY_AUTH, and no
// credentials means a clear "unauthorized".
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspectImages, login, logout, pullImage, pushImage, tagImage, type RegistryEvent } from '../../src/api/index.ts';
import { credentialLookup, type CredentialOptions } from '../../src/registry/credentials.ts';
import { berth, describeBuild, importBusybox } from '../build/e2e-helpers.ts';
import { registryUnavailable, useRegistry, type RegistrySetup } from '../helpers/registry-server.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-reg-auth-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (what: string): string => path.join(work, `${what}-${++n}`);

for (const setup of ['basic-tls', 'token'] as RegistrySetup[]) {
  describe(`registry with ${setup} auth`, { skip }, () => {
    const reg = useRegistry(setup);
    const src = fresh('root');
    const creds: CredentialOptions = { configDir: fresh('docker-config'), podmanAuthFiles: [] };
    let host = '';
    let opts: { settings: { certsDirs: string[] }; credentials: ReturnType<typeof credentialLookup> };

    before(async () => {
      host = reg.server.host;
      opts = { settings: { certsDirs: reg.server.certsDir ? [reg.server.certsDir] : [] }, credentials: credentialLookup(creds) };
      await importBusybox(src, mkdtempSync(path.join(work, 'bb-')), `${host}/team/busybox:1`);
    });

    it('refuses a push without credentials, and a login with a wrong password, with REGISTRY_AUTH', async () => {
      await assert.rejects(pushImage(src, `${host}/team/busybox:1`, { settings: opts.settings, credentials: () => Promise.resolve(undefined) }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'REGISTRY_AUTH', e.message);
        assert.match(e.message, /unauthorized/);
        return true;
      });
      await assert.rejects(login(host, { username: reg.server.username, password: 'wrong', settings: opts.settings, credentialOptions: creds }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'REGISTRY_AUTH', e.message);
        assert.doesNotMatch(e.message, /wrong/, 'the password never shows in an error');
        return true;
      });
    });

    it('logs in (stored in config.json), pushes, pulls into a fresh store and by digest, mounts across repositories, logs out', async () => {
      const r = await login(host, { username: reg.server.username, password: reg.server.password, settings: opts.settings, credentialOptions: creds });
      assert.equal(r.server, host);
      const config = JSON.parse(readFileSync(path.join(creds.configDir!, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      assert.equal(Buffer.from(config.auths[host]!.auth, 'base64').toString(), `${reg.server.username}:${reg.server.password}`);

      const [pushed] = await pushImage(src, `${host}/team/busybox:1`, opts);
      const dest = fresh('root');
      const pulled = await pullImage(dest, `${host}/team/busybox:1`, opts);
      assert.equal(pulled.manifest, pushed!.digest);
      const byDigest = await pullImage(fresh('root'), `${host}/team/busybox@${pushed!.digest}`, opts);
      assert.equal(byDigest.id, pulled.id);

      await tagImage(dest, `${host}/team/busybox:1`, `${host}/other/busybox:2`);
      const events: RegistryEvent[] = [];
      await pushImage(dest, `${host}/other/busybox:2`, { ...opts, onEvent: (e) => events.push(e) });
      assert.ok(events.some((e) => e.type === 'layer' && e.status === 'Mounted' && e.from === 'team/busybox'), JSON.stringify(events));
      const [img] = (await inspectImages(dest, [`${host}/team/busybox:1`])).objects as Array<{ Id: string }>;
      assert.equal(img!.Id, pulled.id);
      assert.deepEqual(await reg.server.consistencyProblems(), []);

      const out = await logout(host, { credentialOptions: creds });
      assert.deepEqual(out, { server: host, removed: true });
      assert.deepEqual(await logout(host, { credentialOptions: creds }), { server: host, removed: false });
      await assert.rejects(pullImage(fresh('root'), `${host}/team/busybox:1`, opts), (e: Error & { code?: string }) => e.code === 'REGISTRY_AUTH');
    });

    it('berth login --password-stdin and berth logout through the CLI', async () => {
      const configDir = fresh('cli-config');
      const env = { DOCKER_CONFIG: configDir, BERTH_CERTS_DIR: reg.server.certsDir ?? '', REGISTRY_AUTH_FILE: path.join(configDir, 'none.json') };
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const bad = await berth(src, ['login', '-u', reg.server.username!, '--password-stdin', host], { input: 'nope\n' });
        assert.equal(bad.code, 1, describeBuild(bad));
        assert.match(bad.stderr, /unauthorized/);
        const ok = await berth(src, ['login', '-u', reg.server.username!, '--password-stdin', host], { input: `${reg.server.password}\n` });
        assert.equal(ok.code, 0, describeBuild(ok));
        assert.equal(ok.stdout, 'Login Succeeded\n');
        const push = await berth(src, ['push', '-q', `${host}/team/busybox:1`]);
        assert.equal(push.code, 0, describeBuild(push));
        const out = await berth(src, ['logout', host]);
        assert.equal(out.stdout, `Removing login credentials for ${host}\n`);
      } finally {
        for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
      }
    });
  });
}
