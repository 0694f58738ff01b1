// The registry test harness on its own, checked with a third-party client: each of the three
// set-ups (open HTTP, Basic auth over TLS, bearer tokens) takes an image pushed through the API
// helper, skopeo copies it out and back in, wrong credentials are refused, and short-lived tokens die.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch } from 'undici';
import { which } from '../helpers/dockerd.ts';
import { pushRaw, sha256 } from './raw-api.ts';
import { REGISTRY_SETUPS, registryUnavailable, useRegistry, type RegistryServer } from '../helpers/registry-server.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-reg-harness-'));
after(() => rmSync(work, { recursive: true, force: true }));
const skip = registryUnavailable() ?? (which('skopeo') ? undefined : 'skopeo is not installed');

/** A one-file tar layer, its config and manifest. */
function smallImage(): { blobs: Buffer[]; manifest: Buffer } {
  const dir = mkdtempSync(path.join(work, 'layer-'));
  writeFileSync(path.join(dir, 'hello.txt'), 'hello registry\n');
  const tarFile = path.join(work, `${path.basename(dir)}.tar`);
  const r = spawnSync('tar', ['--numeric-owner', '-C', dir, '-cf', tarFile, 'hello.txt']);
  assert.equal(r.status, 0, String(r.stderr));
  const layer = readFileSync(tarFile);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
  }));
  return { blobs: [layer, config], manifest };
}

/** Pushes the small image through the registry API by hand. */
async function pushSmall(reg: RegistryServer, repo: string, tag: string): Promise<string> {
  const img = smallImage();
  return pushRaw(reg, repo, tag, img.blobs, img.manifest);
}

/** Runs skopeo without blocking the event loop: the token server answers from this very process. */
function skopeo(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('skopeo', args, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

for (const setup of REGISTRY_SETUPS) {
  describe(`registry harness: ${setup}`, { skip }, () => {
    const suite = useRegistry(setup);

    it('answers the API with its credentials and refuses anonymous and wrong ones', async () => {
      const reg = suite.server;
      assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
      assert.equal(reg.url, `${setup === 'basic-tls' ? 'https' : 'http'}://${reg.host}`);
      const ok = await reg.api('/v2/');
      assert.equal(ok.status, 200, await ok.text());
      if (setup === 'open') return;
      assert.ok(reg.username && reg.password);
      if (setup === 'basic-tls') {
        assert.ok(reg.caFile && reg.certsDir);
        assert.equal(readFileSync(path.join(reg.certsDir, reg.host, 'ca.crt'), 'utf8'), readFileSync(reg.caFile, 'utf8'));
        // Without the CA the certificate is not trusted.
        await assert.rejects(fetch(`${reg.url}/v2/`));
        return;
      }
      const anon = await fetch(`${reg.url}/v2/`);
      assert.equal(anon.status, 401);
      const challenge = anon.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="berth-test-registry"/);
      const bad = await fetch(`${reg.tokenServer!.realm}?service=berth-test-registry`, { headers: { authorization: `Basic ${Buffer.from(`${reg.username}:nope`).toString('base64')}` } });
      assert.equal(bad.status, 401);
      await bad.body?.cancel();
    });

    it('holds what skopeo copies in and gives it back with the same digest', async () => {
      const reg = suite.server;
      const digest = await pushSmall(reg, 'harness/raw', 'v1');
      const out = path.join(work, `${setup}-out`);
      const copied = await skopeo(['copy', ...reg.skopeoFlags('src'), `docker://${reg.host}/harness/raw:v1`, `oci:${out}:v1`]);
      assert.equal(copied.status, 0, copied.stderr);
      const back = await skopeo(['copy', ...reg.skopeoFlags('dest'), `oci:${out}:v1`, `docker://${reg.host}/harness/copy:v2`]);
      assert.equal(back.status, 0, back.stderr);
      const inspected = await skopeo(['inspect', '--raw', ...reg.skopeoFlags('src').map((f) => f.replace('--src-', '--')), `docker://${reg.host}/harness/copy:v2`]);
      assert.equal(inspected.status, 0, inspected.stderr);
      assert.equal(sha256(Buffer.from(inspected.stdout)), digest);
      assert.deepEqual(await reg.consistencyProblems(), []);
      if (setup === 'token') {
        const requests = await reg.tokenServer!.requests();
        assert.ok(requests.some((r) => r.status === 200 && r.grant === 'basic' && r.account === reg.username && r.scopes.some((s) => s.includes('harness/copy') && s.includes('push'))),
          `skopeo got a push token: ${JSON.stringify(requests)}`);
      }
    });

    it('reports a manifest whose blob went missing', async () => {
      const reg = suite.server;
      const digest = await pushSmall(reg, 'harness/broken', 'v1');
      const manifest = (await (await reg.api('/v2/harness/broken/manifests/v1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: Array<{ digest: string }> };
      const del = await reg.api(`/v2/harness/broken/blobs/${manifest.layers[0]!.digest}`, { method: 'DELETE' });
      assert.equal(del.status, 202, await del.text());
      const problems = await reg.consistencyProblems();
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0]!, /^harness\/broken:v1: blob sha256:[0-9a-f]{64} answers HTTP 404$/);
      // Deleting the manifest by digest untags it: the registry is consistent again for the next test.
      const gone = await reg.api(`/v2/harness/broken/manifests/${digest}`, { method: 'DELETE' });
      assert.equal(gone.status, 202, await gone.text());
      assert.deepEqual(await reg.consistencyProblems(), []);
    });

    if (setup === 'token') {
      it('issues refresh tokens and short-lived access tokens that the registry stops accepting', async () => {
        const reg = suite.server;
        const ts = reg.tokenServer!;
        const scope = 'repository:harness/raw:pull';
        const basic = `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString('base64')}`;
        const got = await fetch(`${ts.realm}?service=${ts.service}&scope=${scope}&offline_token=true&client_id=berth`, { headers: { authorization: basic } });
        const body = (await got.json()) as { token: string; refresh_token?: string; expires_in: number };
        assert.ok(body.refresh_token, 'offline_token=true gives a refresh token');
        const refreshed = await fetch(ts.realm, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: body.refresh_token, service: ts.service, scope, client_id: 'berth' }) });
        assert.equal(refreshed.status, 200);
        const access = ((await refreshed.json()) as { access_token: string }).access_token;
        const withToken = (token: string): Promise<number> => fetch(`${reg.url}/v2/harness/raw/tags/list`, { headers: { authorization: `Bearer ${token}` } })
          .then(async (r) => { await r.body?.cancel(); return r.status; });
        assert.equal(await withToken(access), 200);
        await ts.setTokenTtl(1);
        const viaServer = await fetch(`${ts.realm}?service=${ts.service}&scope=${scope}`, { headers: { authorization: basic } });
        const short = ((await viaServer.json()) as { token: string; expires_in: number });
        assert.equal(short.expires_in, 1);
        await ts.setTokenTtl(300);
        await sleep(2500);
        assert.equal(await withToken(short.token), 401, 'an expired token is refused');
        assert.equal(await withToken(access), 200, 'a normal token still works');
        const wrongRefresh = await fetch(ts.realm, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'bogus', service: ts.service, scope }) });
        assert.equal(wrongRefresh.status, 401);
        await wrongRefresh.body?.cancel();
      });
    }
  });
}
