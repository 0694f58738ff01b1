// berth pull / push / build through the real CLI against docker-registry (open HTTP): docker's
// output lines, `-q`, a FROM image missing from the store pulled by the build, `build --pull`
// taking the registry's newer image over the stored one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berth, describeBuild, importBusybox } from '../build/e2e-helpers.ts';
import { registryUnavailable, useRegistry } from '../helpers/registry-server.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-reg-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshRoot = (): string => path.join(work, `root-${++n}`);

describe('berth pull / push / build FROM (CLI)', { skip }, () => {
  const reg = useRegistry('open');
  const src = freshRoot();
  let host = '';
  let ctx = '';

  before(async () => {
    host = reg.server.host;
    await importBusybox(src, work, `${host}/cli/busybox:1`);
    ctx = path.join(work, 'ctx');
    await mkdir(ctx);
    writeFileSync(path.join(ctx, 'a.txt'), 'a\n');
  });

  it('push prints the repository, a line per layer and docker\'s digest line; -q only the reference', async () => {
    const r = await berth(src, ['push', `${host}/cli/busybox:1`]);
    assert.equal(r.code, 0, describeBuild(r));
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], `The push refers to repository [${host}/cli/busybox]`);
    // As docker push: each layer named by its diff_id (what `history` and `inspect` show), not the gzip digest.
    const diffId = (JSON.parse((await berth(src, ['inspect', '--format', '{{json .RootFS}}', `${host}/cli/busybox:1`])).stdout) as { Layers: string[] }).Layers[0]!;
    assert.match(diffId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(lines[1], `${diffId.slice(7, 19)}: Preparing`);
    assert.equal(lines.at(-2), `${diffId.slice(7, 19)}: Pushed`);
    assert.match(lines.at(-1)!, /^1: digest: sha256:[0-9a-f]{64} size: \d+$/);
    const q = await berth(src, ['push', '-q', `${host}/cli/busybox:1`]);
    assert.equal(q.code, 0, describeBuild(q));
    assert.equal(q.stdout, `${host}/cli/busybox:1\n`);
  });

  it('pull prints the layers, Digest, Status and the reference; a second pull is up to date', async () => {
    const root = freshRoot();
    const r = await berth(root, ['pull', `${host}/cli/busybox:1`]);
    assert.equal(r.code, 0, describeBuild(r));
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '1: Pulling from cli/busybox');
    assert.ok(lines.some((l) => /^[0-9a-f]{12}: Pull complete$/.test(l)), r.stdout);
    assert.match(r.stdout, /\nDigest: sha256:[0-9a-f]{64}\n/);
    assert.ok(r.stdout.endsWith(`Status: Downloaded newer image for ${host}/cli/busybox:1\n${host}/cli/busybox:1\n`), r.stdout);
    const again = await berth(root, ['pull', '-q', `${host}/cli/busybox:1`]);
    assert.equal(again.stdout, `${host}/cli/busybox:1\n`);
    const up = await berth(root, ['pull', `${host}/cli/busybox:1`]);
    assert.match(up.stdout, /: Already exists\n/);
    assert.match(up.stdout, /Status: Image is up to date for /);
    const images = await berth(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(images.stdout, `${host}/cli/busybox:1\n`);
  });

  it('pull --all-tags pulls every tag of the repository; a tag with -a is refused', async () => {
    await berth(src, ['tag', `${host}/cli/busybox:1`, `${host}/cli/multi:a`]);
    await berth(src, ['tag', `${host}/cli/busybox:1`, `${host}/cli/multi:b`]);
    const pushed = await berth(src, ['push', '-a', `${host}/cli/multi`]);
    assert.equal(pushed.code, 0, describeBuild(pushed));
    assert.deepEqual(pushed.stdout.split('\n').filter((l) => l.includes('digest:')).map((l) => l.split(':')[0]), ['a', 'b']);
    const root = freshRoot();
    const r = await berth(root, ['pull', '-a', `${host}/cli/multi`]);
    assert.equal(r.code, 0, describeBuild(r));
    assert.ok(r.stdout.endsWith(`${host}/cli/multi\n`), r.stdout);
    const images = await berth(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.deepEqual(images.stdout.trim().split('\n').sort(), [`${host}/cli/multi:a`, `${host}/cli/multi:b`]);
    const bad = await berth(root, ['pull', '-a', `${host}/cli/multi:a`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /tag can't be used with --all-tags/);
  });

  it('a FROM image missing from the store is pulled by the build', async () => {
    await berth(src, ['push', '-q', `${host}/cli/busybox:1`]);
    const root = freshRoot();
    writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${host}/cli/busybox:1\nCOPY a.txt /a.txt\n`);
    const r = await berth(root, ['build', '--progress', 'plain', '-t', 'built:1', ctx]);
    assert.equal(r.code, 0, describeBuild(r));
    const images = await berth(root, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.deepEqual(images.stdout.trim().split('\n').sort(), [`${host}/cli/busybox:1`, 'built:1']);
  });

  it('build --pull uses the newer image from the registry; without it the stored one is kept', async () => {
    const root = freshRoot();
    await berth(root, ['pull', '-q', `${host}/cli/busybox:1`]);
    // A newer busybox:1 in the registry: the same rootfs with another CMD.
    const other = freshRoot();
    await importBusybox(other, mkdtempSync(path.join(work, 'again-')), `${host}/cli/busybox:1`);
    const pushed = await berth(other, ['push', `${host}/cli/busybox:1`]);
    assert.equal(pushed.code, 0, describeBuild(pushed));
    const newId = (await berth(other, ['inspect', '--format', '{{.Id}}', `${host}/cli/busybox:1`])).stdout.trim();
    const oldId = (await berth(root, ['inspect', '--format', '{{.Id}}', `${host}/cli/busybox:1`])).stdout.trim();
    assert.notEqual(newId, oldId);

    writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${host}/cli/busybox:1\nCOPY a.txt /a.txt\n`);
    const plainBuild = await berth(root, ['build', '-q', ctx]);
    assert.equal(plainBuild.code, 0, describeBuild(plainBuild));
    assert.equal((await berth(root, ['inspect', '--format', '{{.Id}}', `${host}/cli/busybox:1`])).stdout.trim(), oldId);
    const pulled = await berth(root, ['build', '--pull', '-q', ctx]);
    assert.equal(pulled.code, 0, describeBuild(pulled));
    assert.equal((await berth(root, ['inspect', '--format', '{{.Id}}', `${host}/cli/busybox:1`])).stdout.trim(), newId);
  });

  it('a base image that is nowhere fails with a clear error', async () => {
    writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${host}/cli/nothing:1\n`);
    const r = await berth(freshRoot(), ['build', '-q', ctx]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /base image .*cli\/nothing:1 is not in the store, and pulling it failed: manifest for .* not found/);
    assert.match(r.stderr, /^\S*Dockerfile:1:1: /, 'the FROM line is named');
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('a registry that cannot be reached: the error names the image and the line, with --pull too', async () => {
    // Before: "berth build: pinging 127.0.0.1:1: connect ECONNREFUSED" named neither.
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY --from=127.0.0.1:1/cli/gone:1 /x /x\n');
    const r = await berth(freshRoot(), ['build', '-q', ctx]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^\S*Dockerfile:2:1: base image 127\.0\.0\.1:1\/cli\/gone:1 is not in the store, and pulling it failed: .*ECONNREFUSED/);
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM 127.0.0.1:1/cli/gone:1\n');
    const pulled = await berth(freshRoot(), ['build', '--pull', '-q', ctx]);
    assert.equal(pulled.code, 1);
    assert.match(pulled.stderr, /^\S*Dockerfile:1:1: pulling base image 127\.0\.0\.1:1\/cli\/gone:1 failed: .*ECONNREFUSED/);
    assert.match(pulled.stderr, /\nhint: check the name and the registry/);
  });
});
