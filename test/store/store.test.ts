// Store: image records and tags over hand-made OCI blobs, garbage collection, and the removal of
// dead writers' temp files at open.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Store } from '../../src/store/index.ts';
import { BerthError } from '../../src/util/errors.ts';
import { checkStore, listTemp, makeImage, sha256, storeImage, tempRoot } from './helpers.ts';

const isBerth = (code: string) => (e: unknown): boolean => e instanceof BerthError && e.code === code;

async function refsJson(root: string): Promise<{ images: Record<string, unknown>; tags: Record<string, string> }> {
  return JSON.parse(await readFile(path.join(root, 'refs.json'), 'utf8')) as { images: Record<string, unknown>; tags: Record<string, string> };
}

describe('Store images and tags', () => {
  it('adds an image from stored manifest, config and layers, with tags', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const img = makeImage([randomBytes(1000), randomBytes(2000)]);
    await storeImage(store, img, ['docker.io/library/a:1', 'docker.io/library/a:latest']);

    const images = await store.images();
    assert.equal(images.length, 1);
    const [rec] = images;
    assert.equal(rec!.manifest, img.manifest.digest);
    assert.equal(rec!.config, img.config.digest);
    assert.deepEqual(rec!.tags, ['docker.io/library/a:1', 'docker.io/library/a:latest']);
    assert.ok(!Number.isNaN(Date.parse(rec!.added)));
    const doc = await refsJson(root);
    assert.deepEqual(doc.tags, { 'docker.io/library/a:1': img.manifest.digest, 'docker.io/library/a:latest': img.manifest.digest });
    assert.deepEqual((await checkStore(root)).problems, []);

    // Re-adding keeps the record (and its date) and adds the new tag.
    const again = await store.addImage({ manifest: img.manifest.digest, config: img.config.digest, tags: ['b:2'] });
    assert.equal(again.added, rec!.added);
    assert.deepEqual(again.tags, ['b:2', 'docker.io/library/a:1', 'docker.io/library/a:latest']);
    assert.equal((await store.images()).length, 1);
  });

  it('tag moves a reference between images; untag and removeImage forget only what they name', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const a = makeImage([randomBytes(100)]);
    const b = makeImage([randomBytes(100)]);
    await storeImage(store, a, ['x:1', 'x:latest']);
    await storeImage(store, b, ['y:1']);

    await store.tag('x:latest', b.manifest.digest);
    const byManifest = new Map((await store.images()).map((i) => [i.manifest, i.tags]));
    assert.deepEqual(byManifest.get(a.manifest.digest), ['x:1']);
    assert.deepEqual(byManifest.get(b.manifest.digest), ['x:latest', 'y:1']);
    await assert.rejects(store.tag('z:1', sha256('no such manifest')), isBerth('NOT_FOUND'));

    assert.equal(await store.untag('x:1'), a.manifest.digest);
    assert.equal(await store.untag('x:1'), undefined);
    // An untagged image stays recorded (dangling, like docker's <none>).
    assert.deepEqual((await store.images()).find((i) => i.manifest === a.manifest.digest)?.tags, []);

    assert.deepEqual((await store.removeImage(b.manifest.digest)).sort(), ['x:latest', 'y:1']);
    assert.deepEqual((await store.images()).map((i) => i.manifest), [a.manifest.digest]);
    assert.deepEqual((await refsJson(root)).tags, {});
    assert.deepEqual(await store.removeImage(b.manifest.digest), []);
    // Blobs stay until garbage collection.
    assert.equal(await store.blobs.has(b.layers[0]!.digest), true);
    assert.deepEqual((await checkStore(root)).problems, []);
  });

  it('refuses an image whose blobs are missing, and records nothing', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const img = makeImage([randomBytes(100), randomBytes(100)]);
    const put = (b: { bytes: Buffer }): Promise<unknown> => store.blobs.put(b.bytes);

    // No manifest at all.
    await assert.rejects(store.addImage({ manifest: img.manifest.digest, config: img.config.digest }), isBerth('NOT_FOUND'));
    // Manifest and config, but the second layer is missing.
    await put(img.manifest);
    await put(img.config);
    await put(img.layers[0]!);
    await assert.rejects(store.addImage({ manifest: img.manifest.digest, config: img.config.digest, tags: ['t:1'] }),
      (e: unknown) => isBerth('INVALID_IMAGE')(e) && (e as Error).message.includes(img.layers[1]!.digest));
    // All layers but no config.
    const img2 = makeImage([randomBytes(100)]);
    await put(img2.manifest);
    await put(img2.layers[0]!);
    await assert.rejects(store.addImage({ manifest: img2.manifest.digest, config: img2.config.digest }), isBerth('INVALID_IMAGE'));
    // A config that is not the manifest's.
    await put(img.layers[1]!);
    await assert.rejects(store.addImage({ manifest: img.manifest.digest, config: img2.config.digest }), isBerth('INVALID_IMAGE'));
    // Not a manifest.
    const junk = await store.blobs.put(Buffer.from('{"not":"a manifest"}'));
    await assert.rejects(store.addImage({ manifest: junk.digest, config: img.config.digest }), isBerth('INVALID_IMAGE'));
    const notJson = await store.blobs.put(Buffer.from('\x00\x01'));
    await assert.rejects(store.addImage({ manifest: notJson.digest, config: img.config.digest }), isBerth('INVALID_IMAGE'));

    assert.deepEqual(await store.images(), []);
    await stat(path.join(root, 'refs.json')).then(async () => assert.deepEqual((await refsJson(root)).tags, {}), () => undefined);

    // With every blob present the same call succeeds.
    await store.addImage({ manifest: img.manifest.digest, config: img.config.digest, tags: ['t:1'] });
    assert.deepEqual((await checkStore(root)).problems, []);
  });

  it('an unreadable refs.json is reported, not silently replaced', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    await writeFile(path.join(root, 'refs.json'), '{"version":1,"images":{');
    await assert.rejects(store.images(), isBerth('INTERNAL'));
    await assert.rejects(store.untag('a:1'), isBerth('INTERNAL'));
    assert.equal(await readFile(path.join(root, 'refs.json'), 'utf8'), '{"version":1,"images":{');
  });
});

describe('Store.collectGarbage', () => {
  it('removes only unreferenced blobs and reports the bytes freed', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    const shared = randomBytes(3000);
    const keep = makeImage([shared, randomBytes(1000)]);
    const drop = makeImage([shared, randomBytes(1500)]);
    const untagged = makeImage([randomBytes(700)]);
    await storeImage(store, keep, ['keep:1']);
    await storeImage(store, drop, ['drop:1']);
    await storeImage(store, untagged, []);
    const loose = await store.blobs.put(randomBytes(2222));

    // Nothing to collect but the loose blob.
    let r = await store.collectGarbage();
    assert.deepEqual(r.removed, [loose.digest]);
    assert.equal(r.freed, 2222);

    await store.removeImage(drop.manifest.digest);
    const dropOnly = [drop.manifest, drop.config, drop.layers[1]!];
    r = await store.collectGarbage();
    assert.deepEqual([...r.removed].sort(), dropOnly.map((b) => b.digest).sort());
    assert.equal(r.freed, dropOnly.reduce((n, b) => n + b.bytes.length, 0));
    for (const b of dropOnly) assert.equal(await store.blobs.has(b.digest), false);
    // The shared layer, the kept image and the untagged (still recorded) image survive.
    for (const b of [keep.manifest, keep.config, ...keep.layers, untagged.manifest, untagged.config, ...untagged.layers]) {
      assert.equal(await store.blobs.has(b.digest), true, b.digest);
    }
    assert.deepEqual(await store.collectGarbage(), { removed: [], freed: 0 });
    const check = await checkStore(root);
    assert.deepEqual(check.problems, []);
    assert.equal(check.images, 2);

    await store.removeImage(keep.manifest.digest);
    await store.removeImage(untagged.manifest.digest);
    r = await store.collectGarbage();
    assert.equal(r.removed.length, 7); // keep: manifest, config, shared, own layer; untagged: 3
    assert.deepEqual(await store.blobs.list(), []);
  });

  it('leaves files that are not blobs alone', async (t) => {
    const root = await tempRoot(t);
    const store = await Store.open(root);
    await writeFile(path.join(store.layout.blobsDir, 'README'), 'not a blob');
    assert.deepEqual(await store.collectGarbage(), { removed: [], freed: 0 });
    assert.equal(await readFile(path.join(store.layout.blobsDir, 'README'), 'utf8'), 'not a blob');
  });
});

describe('Store.open', () => {
  it('removes temp files of a dead writer and keeps those of a live one', async (t) => {
    const root = await tempRoot(t);
    await Store.open(root);
    const tmp = path.join(root, 'tmp');
    // A pid that certainly belongs to no process any more: a child that has exited and been reaped.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const live = process.pid;
    const files = {
      deadBlob: `.blob-${dead}-0123456789ab`,
      deadTmp: `.tmp-${dead}-ba9876543210`,
      liveBlob: `.blob-${live}-0123456789ab`,
      liveTmp: `.tmp-${live}-ba9876543210`,
      unowned: 'stray-file',
    };
    for (const f of Object.values(files)) await writeFile(path.join(tmp, f), 'partial');
    await mkdir(path.join(tmp, `.unpack-${dead}-aaaaaaaaaaaa`));
    await writeFile(path.join(tmp, `.unpack-${dead}-aaaaaaaaaaaa`, 'f'), 'x');

    const store = await Store.open(root);
    assert.deepEqual((await listTemp(root)).sort(), [files.liveBlob, files.liveTmp].sort());
    assert.deepEqual(await store.images(), []);
  });

  it('refuses a root it cannot use, with INVALID_ARGUMENT', async (t) => {
    const root = await tempRoot(t);
    await mkdir(path.dirname(root), { recursive: true });
    await writeFile(root, 'a file, not a directory');
    await assert.rejects(Store.open(root), isBerth('INVALID_ARGUMENT'));
  });

  it('refuses a root under procfs at once (node\'s recursive mkdir looped forever there)', { timeout: 10_000 }, async () => {
    await assert.rejects(Store.open('/proc/berth-store-test/root'), isBerth('INVALID_ARGUMENT'));
  });
});
