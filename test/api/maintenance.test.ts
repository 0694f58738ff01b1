// `system check [--repair]` finds and fixes corrupt blobs, broken records and leftovers;
// `image prune [-a]` removes dangling (or all) images and reclaims their blobs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importImage, listImages, pruneImages, systemCheck } from '../../src/api/index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-maint-'));
const root = path.join(work, 'store');
const tarFile = path.join(work, 'rootfs.tar');
after(() => rmSync(work, { recursive: true, force: true }));
before(() => {
  mkdirSync(path.join(work, 'rootfs'));
  writeFileSync(path.join(work, 'rootfs', 'f'), 'content\n');
  execFileSync('tar', ['-C', path.join(work, 'rootfs'), '-cf', tarFile, '.']);
});

describe('store maintenance', () => {
  it('system check is clean on a fresh store, then finds and repairs a corrupt blob and a leftover', async () => {
    const { id } = await importImage(root, { source: tarFile, reference: 'victim:1' });
    assert.deepEqual(await systemCheck(root), []);
    const blob = path.join(root, 'blobs', 'sha256', id.slice(7));
    appendFileSync(blob, 'x');
    // A leftover of a dead writer (pid_max is far below this pid) is removed when the store opens.
    const leftover = path.join(root, 'tmp', '.blob-99999999-0123456789ab');
    writeFileSync(leftover, 'partial');
    const found = await systemCheck(root);
    assert.equal(existsSync(leftover), false);
    assert.deepEqual(found.map((p) => p.kind).sort(), ['broken-image', 'corrupt-blob']);
    assert.ok(found.every((p) => !p.repaired));
    const repaired = await systemCheck(root, { repair: true });
    assert.ok(repaired.every((p) => p.repaired));
    assert.deepEqual(await systemCheck(root), []);
    assert.deepEqual(await listImages(root), []);
  });

  it('image prune removes dangling images; -a removes the rest and every blob', async () => {
    await importImage(root, { source: tarFile, reference: 'kept:1' });
    await importImage(root, { source: tarFile, message: 'dangling' });
    const r1 = await pruneImages(root);
    assert.equal(r1.deleted.length, 1);
    assert.ok(r1.reclaimed > 0);
    assert.deepEqual((await listImages(root)).map((i) => i.repoTags), [['kept:1']]);
    const r2 = await pruneImages(root, { all: true });
    assert.deepEqual(r2.untagged, ['docker.io/library/kept:1']);
    assert.deepEqual(readdirSync(path.join(root, 'blobs', 'sha256')), []);
    assert.deepEqual(await systemCheck(root), []);
  });

  it('prune refuses to sweep when an image has lost its manifest, and check --repair clears the way', async () => {
    const { id } = await importImage(root, { source: tarFile, reference: 'damaged:1' });
    const inspectManifest = (await listImages(root))[0]!.manifest;
    rmSync(path.join(root, 'blobs', 'sha256', inspectManifest.slice(7)));
    const before = readdirSync(path.join(root, 'blobs', 'sha256')).sort();
    await assert.rejects(pruneImages(root), /has lost its manifest .*nothing was removed/);
    assert.deepEqual(readdirSync(path.join(root, 'blobs', 'sha256')).sort(), before);
    assert.ok(before.includes(id.slice(7)));
    assert.deepEqual((await systemCheck(root)).map((p) => p.kind), ['broken-image']);
    await systemCheck(root, { repair: true });
    await pruneImages(root, { all: true });
    assert.deepEqual(readdirSync(path.join(root, 'blobs', 'sha256')), []);
  });
});
