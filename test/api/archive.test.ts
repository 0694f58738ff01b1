// save → load round trips through berth's own archive: same image IDs, tags and history; the OCI
// layout alone (no manifest.json) loads too; a gzip-compressed archive loads from a stream.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { diskUsage, imageHistory, importImage, listImages, loadImages, saveImagesToFile, systemCheck } from '../../src/api/index.ts';
import { validateStored } from '../helpers/validate-stored.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-archive-'));
const src = path.join(work, 'src-store');
const archive = path.join(work, 'images.tar');
after(() => rmSync(work, { recursive: true, force: true }));

const ids: Record<string, string> = {};
before(async () => {
  for (const name of ['one', 'two']) {
    const dir = path.join(work, name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'which'), name);
    execFileSync('tar', ['-C', dir, '-cf', `${dir}.tar`, '.']);
    ids[name] = (await importImage(src, { source: `${dir}.tar`, reference: `demo/${name}:1`, changes: [`LABEL which=${name}`] })).id;
  }
  await saveImagesToFile(src, ['demo/one:1', 'demo/two:1'], archive);
});

const summary = async (root: string): Promise<Array<[string, string[]]>> =>
  (await listImages(root)).map((i): [string, string[]] => [i.id, i.repoTags]).sort();

describe('save and load', () => {
  it('round-trips both images with their IDs, tags and history', async () => {
    const dst = path.join(work, 'dst1');
    const loaded = await loadImages(dst, createReadStream(archive));
    assert.deepEqual(loaded.map((l) => [l.id, l.tags]).sort(), [[ids.one, ['demo/one:1']], [ids.two, ['demo/two:1']]].sort());
    assert.deepEqual(await summary(dst), await summary(src));
    // Layers are stored as they came (no recompression), so even the manifests are identical.
    const manifests = async (root: string): Promise<string[]> => (await listImages(root)).map((i) => i.manifest).sort();
    assert.deepEqual(await manifests(dst), await manifests(src));
    assert.deepEqual(await imageHistory(dst, 'demo/one:1'), await imageHistory(src, 'demo/one:1'));
    assert.deepEqual(await systemCheck(dst), []);
    for (const id of Object.values(ids)) await validateStored(dst, id);
  });

  it('loads a gzip-compressed archive from a stream', async () => {
    const dst = path.join(work, 'dst2');
    await loadImages(dst, Readable.from([gzipSync(readFileSync(archive))]));
    assert.deepEqual(await summary(dst), await summary(src));
  });

  it('loads the OCI layout alone (manifest.json removed), tags from the index annotations', async () => {
    const dir = path.join(work, 'oci');
    mkdirSync(dir);
    execFileSync('tar', ['-C', dir, '-xf', archive]);
    rmSync(path.join(dir, 'manifest.json'));
    const oci = path.join(work, 'oci.tar');
    execFileSync('tar', ['-C', dir, '-cf', oci, '.']);
    const dst = path.join(work, 'dst3');
    await loadImages(dst, createReadStream(oci));
    assert.deepEqual(await summary(dst), await summary(src));
  });

  it('saving only an ID writes the image without tags; loading it gives an untagged image', async () => {
    const one = path.join(work, 'one-by-id.tar');
    await saveImagesToFile(src, [ids.one!.slice(7, 19)], one);
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', one, 'manifest.json']).toString()) as Array<{ RepoTags: unknown }>;
    assert.deepEqual(manifest.map((m) => m.RepoTags), [null]);
    const loaded = await loadImages(path.join(work, 'dst4'), createReadStream(one));
    assert.deepEqual(loaded, [{ id: ids.one, tags: [] }]);
  });

  it('refuses a bad output path before reading any image, and leaves no file behind', async () => {
    const out = path.join(work, 'out');
    mkdirSync(out);
    // Before: the write stream's open failure was an unhandled 'error' event that killed the process.
    await assert.rejects(saveImagesToFile(src, ['demo/one:1'], path.join(work, 'no-such-dir', 'x.tar')), (e: Error & { code?: string }) =>
      e.code === 'INVALID_ARGUMENT' && /invalid output path: directory ".*no-such-dir" does not exist/.test(e.message));
    await assert.rejects(saveImagesToFile(src, ['demo/one:1'], out), (e: Error & { code?: string }) =>
      e.code === 'INVALID_ARGUMENT' && /is a directory/.test(e.message));
    await assert.rejects(saveImagesToFile(src, ['demo/nope:1'], path.join(out, 'x.tar')), /No such image: demo\/nope:1/);
    assert.deepEqual(readdirSync(out), []);
    await saveImagesToFile(src, ['demo/one:1'], path.join(out, 'x.tar'));
    assert.deepEqual(readdirSync(out), ['x.tar']);
  });

  it('refuses an archive that is not an image archive, recording nothing', async () => {
    const plain = path.join(work, 'plain.tar');
    execFileSync('tar', ['-C', path.join(work, 'one'), '-cf', plain, '.']);
    const dst = path.join(work, 'dst5');
    await assert.rejects(loadImages(dst, createReadStream(plain)), /not an image archive: it has neither manifest.json nor index.json/);
    assert.deepEqual(await listImages(dst), []);
    assert.deepEqual(await systemCheck(dst), []);
  });

  it('system df counts the images and the bytes their blobs take once', async () => {
    const [images] = await diskUsage(src);
    assert.equal(images!.type, 'Images');
    assert.equal(images!.total, 2);
    // Every blob in the source store belongs to one of its two images.
    const dir = path.join(src, 'blobs', 'sha256');
    const blobBytes = readdirSync(dir).reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    assert.equal(images!.size, blobBytes);
    assert.equal(images!.reclaimable, images!.size);
  });
});
