// `berth build --platform`: the host's platform in any of docker's spellings is accepted and written
// into the image, TARGET* ARGs follow it, FROM --platform=$BUILDPLATFORM keeps working; any other
// platform is refused by name (berth has no emulation). Real CLI, runc and overlayfs. Not differential:
// docker 20.10 would pull (or emulate) other platforms, and for the host's it writes the same fields.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatPlatform, hostPlatform, normalizePlatform, targetPlatform } from '../../src/plan/index.ts';
import { BerthError } from '../../src/util/errors.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, describeBuild, importBusybox } from './e2e-helpers.ts';
import { BUSYBOX, makeContext, storedImage, tarEntries, blobFile } from './image-helpers.ts';

const HOST = formatPlatform(hostPlatform());
const OTHER = hostPlatform().architecture === 'arm64' ? 'linux/amd64' : 'linux/arm64';

describe('--platform values', () => {
  it('docker\'s spellings of a platform are normalized (containerd\'s rules)', () => {
    assert.deepEqual(normalizePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64', variant: undefined });
    assert.deepEqual(normalizePlatform('LINUX/AMD64'), { os: 'linux', architecture: 'amd64', variant: undefined });
    assert.deepEqual(normalizePlatform('amd64'), { os: 'linux', architecture: 'amd64', variant: undefined });
    assert.deepEqual(normalizePlatform('aarch64'), { os: 'linux', architecture: 'arm64', variant: undefined });
    assert.deepEqual(normalizePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: undefined });
    assert.deepEqual(normalizePlatform('linux/armhf'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.equal(formatPlatform(normalizePlatform('linux')), HOST);
  });

  it('the host platform is accepted, repeated or comma-separated; none given is none', () => {
    assert.equal(targetPlatform(undefined), undefined);
    assert.equal(targetPlatform([]), undefined);
    assert.equal(formatPlatform(targetPlatform([HOST, `${HOST},${HOST}`])!), HOST);
  });

  it('another platform is refused, naming the host\'s', () => {
    assert.throws(() => targetPlatform([`${HOST},${OTHER}`]), (e: unknown) => e instanceof BerthError && e.code === 'UNSUPPORTED_PLATFORM'
      && e.message === `platform ${OTHER} is not this machine's platform ${HOST}: berth builds only for the host platform (it has no emulation)`);
    assert.throws(() => targetPlatform(['linux/']), /invalid platform "linux\/"/);
  });
});

describe('berth build --platform', { skip: runcUnavailable() }, () => {
  let work: string;
  let root: string;
  let ctx: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'berth-platform-'));
    root = path.join(work, 'store');
    await importBusybox(root, work, BUSYBOX);
    ctx = await makeContext(path.join(work, 'ctx'), {
      'Dockerfile': [
        `FROM --platform=$BUILDPLATFORM ${BUSYBOX} AS tools`,
        'ARG TARGETPLATFORM BUILDPLATFORM',
        'RUN echo "$BUILDPLATFORM -> $TARGETPLATFORM" > /cross',
        `FROM ${BUSYBOX}`,
        'ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT',
        'COPY --from=tools /cross /cross',
        'RUN echo "$TARGETPLATFORM|$TARGETOS|$TARGETARCH|$TARGETVARIANT" > /target',
        '',
      ].join('\n'),
    });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('--platform linux/x86_64 (the host, spelled otherwise): the image and the TARGET* ARGs say the normalized platform', async (t) => {
    if (hostPlatform().architecture !== 'amd64') return t.skip('spelling test written for an amd64 host');
    const b = await build(root, ['--platform', 'linux/x86_64', '-t', 'plat:1', ctx]);
    assert.equal(b.code, 0, describeBuild(b));
    const { config, manifest } = await storedImage(root, 'plat:1');
    assert.equal(config.os, 'linux');
    assert.equal(config.architecture, 'amd64');
    assert.equal(config.variant, undefined);
    const read = (name: string): string => {
      const layer = manifest.layers.findLast((l) => tarEntries(blobFile(root, l.digest)).some((e) => e.name === name));
      assert.ok(layer, `no layer has /${name}`);
      return execFileSync('tar', ['-xOf', blobFile(root, layer.digest), name], { encoding: 'utf8' });
    };
    assert.equal(read('target'), 'linux/amd64|linux|amd64|\n');
    assert.equal(read('cross'), 'linux/amd64 -> linux/amd64\n');
  });

  it('another platform is refused before anything is built', async () => {
    const r = await berth(root, ['build', '--platform', OTHER, '-t', 'other:1', ctx]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`platform ${OTHER} is not this machine's platform ${HOST}`));
    assert.match(r.stderr, new RegExp(`--platform ${HOST}`), 'the hint names the host platform');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.stderr, /#\d+ \[/, 'no step ran');
  });

  it('FROM --platform with another platform is refused with its Dockerfile line', async () => {
    const dir = await makeContext(path.join(work, 'ctx-other'), { 'Dockerfile': `FROM ${BUSYBOX}\nFROM --platform=${OTHER} ${BUSYBOX}\nRUN true\n` });
    const r = await berth(root, ['build', dir]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`FROM --platform ${OTHER} is not this machine's platform ${HOST}`));
    assert.match(r.stderr, /Dockerfile:2/);
  });
});
