// The registry client's pure rules, from tables: WWW-Authenticate parsing, docker's endpoint rules
// (docker.io, mirrors, loopback and insecure registries), the retry policy and Retry-After, URL
// redaction, platform selection.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenges, pickChallenge } from '../../src/registry/challenge.ts';
import { endpointsFor, isLoopback } from '../../src/registry/endpoint.ts';
import { redactUrl, RegistryError } from '../../src/registry/errors.ts';
import { parsePlatform, selectManifest } from '../../src/registry/platform.ts';
import { backoffDelay, parseRetryAfter } from '../../src/registry/retry.ts';
import { loadRegistrySettings } from '../../src/registry/settings.ts';
import type { Descriptor } from '../../src/oci/index.ts';

const settings = (extra: { insecureRegistries?: string[]; mirrors?: string[] } = {}) =>
  loadRegistrySettings(extra, { HOME: '/nonexistent', XDG_CONFIG_HOME: '/nonexistent' });

describe('WWW-Authenticate', () => {
  const cases: Array<[string, Array<{ scheme: string; params: Record<string, string> }>]> = [
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } }]],
    ['bearer realm=http://x/token, service=reg', [{ scheme: 'bearer', params: { realm: 'http://x/token', service: 'reg' } }]],
    ['Bearer realm="a\\"b",error="invalid_token"', [{ scheme: 'bearer', params: { realm: 'a"b', error: 'invalid_token' } }]],
    ['Basic realm="x", Bearer realm="y",service="s"', [{ scheme: 'basic', params: { realm: 'x' } }, { scheme: 'bearer', params: { realm: 'y', service: 's' } }]],
    ['', []],
    ['===', []],
  ];
  for (const [header, want] of cases) {
    it(JSON.stringify(header), () => assert.deepEqual(parseChallenges(header), want));
  }
  it('bearer is preferred over basic; unknown schemes are not answered', () => {
    assert.equal(pickChallenge(parseChallenges('Basic realm="x", Bearer realm="y"'))?.scheme, 'bearer');
    assert.equal(pickChallenge(parseChallenges('Negotiate abc')), undefined);
  });
});

describe('endpoints (docker\'s rules)', () => {
  it('docker.io is registry-1.docker.io over verified HTTPS, after the mirrors for pulls only', () => {
    const s = settings({ mirrors: ['https://mirror.example.com/'] });
    assert.deepEqual(endpointsFor('docker.io', s, 'pull').map((e) => [e.base, e.mirror, e.skipVerify]), [
      ['https://mirror.example.com', true, false], ['https://registry-1.docker.io', false, false],
    ]);
    assert.deepEqual(endpointsFor('docker.io', s, 'push').map((e) => e.base), ['https://registry-1.docker.io']);
  });
  it('loopback registries: HTTPS without verification, then plain HTTP', () => {
    for (const host of ['localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000', 'localhost']) {
      assert.equal(isLoopback(host), true, host);
      assert.deepEqual(endpointsFor(host, settings(), 'pull').map((e) => [e.base, e.skipVerify]), [[`https://${host}`, true], [`http://${host}`, false]], host);
    }
    for (const host of ['ghcr.io', '10.0.0.1:5000', 'localhost.example.com', '128.0.0.1']) assert.equal(isLoopback(host), false, host);
  });
  it('other registries: verified HTTPS only, unless configured insecure (by host:port or host)', () => {
    assert.deepEqual(endpointsFor('reg.lan:5000', settings(), 'push').map((e) => [e.base, e.skipVerify]), [['https://reg.lan:5000', false]]);
    assert.deepEqual(endpointsFor('reg.lan:5000', settings({ insecureRegistries: ['reg.lan:5000'] }), 'push').map((e) => e.base), ['https://reg.lan:5000', 'http://reg.lan:5000']);
    assert.deepEqual(endpointsFor('reg.lan:5000', settings({ insecureRegistries: ['reg.lan'] }), 'push').map((e) => e.base), ['https://reg.lan:5000', 'http://reg.lan:5000']);
  });
  it('the environment adds insecure registries and mirrors; a bad mirror URL is refused', () => {
    const s = loadRegistrySettings({}, { HOME: '/nonexistent', BERTH_INSECURE_REGISTRIES: 'a.lan:1, b.lan', BERTH_REGISTRY_MIRRORS: 'http://m.lan:5000' });
    assert.deepEqual(s.insecureRegistries, ['a.lan:1', 'b.lan']);
    assert.deepEqual(s.mirrors, ['http://m.lan:5000']);
    assert.throws(() => loadRegistrySettings({ mirrors: ['mirror.lan'] }, { HOME: '/nonexistent' }), /invalid registry mirror "mirror.lan"/);
    assert.throws(() => loadRegistrySettings({}, { BERTH_REGISTRY_CONFIG: '/nonexistent/registries.json' }), /cannot read the registry settings/);
  });
});

describe('retries', () => {
  it('Retry-After: seconds or an HTTP date; junk is ignored', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 7_000), 3000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
  it('backoff doubles with jitter in [ceiling/2, ceiling], honours Retry-After as a floor, and is capped', () => {
    const p = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(p, 1, undefined, () => 0), 50);
    assert.equal(backoffDelay(p, 1, undefined, () => 1), 100);
    assert.equal(backoffDelay(p, 3, undefined, () => 1), 400);
    assert.equal(backoffDelay(p, 10, undefined, () => 1), 1000);
    assert.equal(backoffDelay(p, 1, 700, () => 0), 700);
    assert.equal(backoffDelay(p, 1, 60_000, () => 0), 1000);
  });
  it('408, 429 and 5xx are retryable; 4xx are not', () => {
    for (const s of [408, 429, 500, 502, 503, 504]) assert.equal(new RegistryError('x', { status: s, method: 'GET', url: 'http://h/' }).retryable, true, String(s));
    for (const s of [400, 401, 403, 404, 416]) assert.equal(new RegistryError('x', { status: s, method: 'GET', url: 'http://h/' }).retryable, false, String(s));
    assert.equal(new RegistryError('x', { status: 401, method: 'GET', url: 'http://h/' }).code, 'REGISTRY_AUTH');
  });
});

describe('redaction', () => {
  it('drops userinfo and secret-looking query values', () => {
    assert.equal(redactUrl('https://user:pw@h/v2/?X-Amz-Signature=abc&token=t&digest=sha256:1'),
      'https://h/v2/?X-Amz-Signature=REDACTED&token=REDACTED&digest=sha256%3A1');
    const e = new RegistryError('failed', { method: 'GET', url: 'https://u:secret@h/x?access_token=zzz' });
    assert.doesNotMatch(`${e.message} ${e.request}`, /secret|zzz/);
  });
});

describe('platform selection', () => {
  const d = (platform: Descriptor['platform']): Descriptor => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'0'.repeat(64)}` as never, size: 1, ...(platform ? { platform } : {}) });
  const index = [d({ os: 'linux', architecture: 'arm', variant: 'v7' }), d({ os: 'linux', architecture: 'arm64', variant: 'v8' }), d({ os: 'linux', architecture: 'amd64' }), d(undefined)];
  it('picks os/arch, normalizing arm64 to v8; refuses what the index lacks, listing what it has', () => {
    assert.equal(selectManifest(index, parsePlatform('linux/amd64'), 'x'), index[2]);
    assert.equal(selectManifest(index, parsePlatform('linux/arm64'), 'x'), index[1]);
    assert.equal(selectManifest(index, parsePlatform('linux/arm/v7'), 'x'), index[0]);
    assert.throws(() => selectManifest(index, parsePlatform('linux/s390x'), 'x'), (e: Error & { hint?: string }) =>
      /no matching manifest for linux\/s390x/.test(e.message) && /linux\/arm\/v7, linux\/arm64\/v8, linux\/amd64/.test(e.hint ?? ''));
    assert.throws(() => parsePlatform('linux/amd64/v1/extra'), /invalid platform/);
  });
});
