// Push and pull through berth's registry client against a real Distribution 2.8 (open HTTP set-up):
// an imported image and a built one (uncompressed layers, gzipped for the push) go up and come back
// into a fresh store with the same image ID, history and config; pull by digest, re-pull and
// re-push skip what is there; a built layer is gzipped once and checked against its digest on the
// way; a blob pulled from one repository is mounted into another.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildImage, imageHistory, inspectImages, pullImage, pushImage, tagImage, type RegistryEvent } from '../../src/api/index.ts';
import { registryUnavailable, useRegistry } from '../helpers/registry-server.ts';
import { importBusybox } from '../build/e2e-helpers.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-reg-rt-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshRoot = (): string => path.join(work, `root-${++n}`);

function statuses(events: RegistryEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'layer' && e.status !== 'Downloading' && e.status !== 'Pushing' ? [e.status] : []));
}

async function sameImage(rootA: string, refA: string, rootB: string, refB: string): Promise<void> {
  const a = (await inspectImages(rootA, [refA])).objects[0] as Record<string, unknown>;
  const b = (await inspectImages(rootB, [refB])).objects[0] as Record<string, unknown>;
  assert.equal(b.Id, a.Id);
  assert.deepEqual(b.Config, a.Config);
  assert.deepEqual(b.RootFS, a.RootFS);
  assert.deepEqual(await imageHistory(rootB, refB), await imageHistory(rootA, refA));
}

describe('registry round trip (open HTTP)', { skip }, () => {
  const reg = useRegistry('open');
  const src = freshRoot();
  let host = '';

  before(async () => {
    host = reg.server.host;
    await importBusybox(src, work, `${host}/base/busybox:1`);
  });

  it('pushes an imported image and pulls it into a fresh store: same ID, manifest digest, history', async () => {
    const events: RegistryEvent[] = [];
    const [pushed] = await pushImage(src, `${host}/base/busybox:1`, { onEvent: (e) => events.push(e) });
    const local = (await inspectImages(src, [`${host}/base/busybox:1`])).objects[0] as { Id: string; Descriptor: { digest: string } };
    assert.equal(pushed!.digest, local.Descriptor.digest, 'a gzip-layered image is pushed byte for byte');
    assert.deepEqual(statuses(events), ['Preparing', 'Pushed']);

    const dest = freshRoot();
    const pulled = await pullImage(dest, `${host}/base/busybox:1`);
    assert.equal(pulled.id, local.Id);
    assert.equal(pulled.manifest, pushed!.digest);
    assert.equal(pulled.digest, pushed!.digest);
    assert.equal(pulled.updated, true);
    await sameImage(src, `${host}/base/busybox:1`, dest, `${host}/base/busybox:1`);
    assert.deepEqual(await reg.server.consistencyProblems(), []);

    // Again: nothing is fetched, nothing uploaded.
    const again: RegistryEvent[] = [];
    const re = await pullImage(dest, `${host}/base/busybox:1`, { onEvent: (e) => again.push(e) });
    assert.equal(re.updated, false);
    assert.deepEqual(statuses(again), ['Pulling fs layer', 'Already exists']);
    const repush: RegistryEvent[] = [];
    await pushImage(src, `${host}/base/busybox:1`, { onEvent: (e) => repush.push(e) });
    assert.deepEqual(statuses(repush), ['Preparing', 'Layer already exists']);
  });

  it('pulls by digest, into a store that then has the image untagged', async () => {
    const [pushed] = await pushImage(src, `${host}/base/busybox:1`);
    const dest = freshRoot();
    const r = await pullImage(dest, `${host}/base/busybox@${pushed!.digest}`);
    assert.equal(r.manifest, pushed!.digest);
    const img = (await inspectImages(dest, [r.id])).objects[0] as { RepoTags: string[] };
    assert.deepEqual(img.RepoTags, []);
  });

  it('pushes a built image with uncompressed layers as gzip, and it comes back with the same image ID', async () => {
    const ctx = path.join(work, 'ctx');
    await mkdir(ctx, { recursive: true });
    writeFileSync(path.join(ctx, 'hello.txt'), 'hello from berth\n'.repeat(1000));
    const built = await buildImage(src, {
      contextDir: ctx, dockerfileText: `FROM ${host}/base/busybox:1\nCOPY hello.txt /hello.txt\nLABEL x=y\n`, tags: [`${host}/app/hello:v1`],
    });
    const [pushed] = await pushImage(src, `${host}/app/hello:v1`);
    const local = (await inspectImages(src, [`${host}/app/hello:v1`])).objects[0] as { Descriptor: { digest: string } };
    assert.notEqual(pushed!.digest, local.Descriptor.digest, 'the manifest names the gzip blobs, so its digest differs');
    const res = await reg.server.api(`/v2/app/hello/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const m = await res.json() as { layers: Array<{ mediaType: string }> };
    assert.deepEqual(m.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip']);

    const dest = freshRoot();
    const pulled = await pullImage(dest, `${host}/app/hello:v1`);
    assert.equal(pulled.id, built.id);
    assert.equal(pulled.manifest, pushed!.digest);
    await sameImage(src, `${host}/app/hello:v1`, dest, `${host}/app/hello:v1`);
    assert.deepEqual(await reg.server.consistencyProblems(), []);
  });

  it('gzips a built layer once: later pushes reuse that blob; a stored layer gone bad is refused, not pushed', async () => {
    const root = freshRoot();
    const ctx = path.join(work, 'ctx-once');
    await mkdir(ctx, { recursive: true });
    writeFileSync(path.join(ctx, 'data.txt'), 'layer bytes\n'.repeat(200_000));
    const built = await buildImage(root, { contextDir: ctx, dockerfileText: 'FROM scratch\nCOPY data.txt /data.txt\n', tags: [`${host}/once/a:1`] });
    await pushImage(root, `${host}/once/a:1`);
    // Rot one byte of the stored (uncompressed) layer, inside the file's data.
    const layer = (JSON.parse(readFileSync(path.join(root, 'blobs', 'sha256', built.id.slice(7)), 'utf8')) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids[0]!;
    const file = path.join(root, 'blobs', 'sha256', layer.slice(7));
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 1;
    writeFileSync(file, bytes);
    // The gzip made by the first push is reused, so the rotten plain copy is not even read.
    await tagImage(root, `${host}/once/a:1`, `${host}/once/b:1`);
    await pushImage(root, `${host}/once/b:1`);
    // Without the remembered gzip, the layer is compressed again, and its digest no longer holds.
    rmSync(path.join(root, 'registry', 'gzipped.json'));
    await tagImage(root, `${host}/once/a:1`, `${host}/once/c:1`);
    await assert.rejects(pushImage(root, `${host}/once/c:1`), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'INVALID_IMAGE');
      assert.match(e.message, new RegExp(`stored layer ${layer} does not match its digest`));
      return true;
    });
    const c = await reg.server.api('/v2/once/c/manifests/1', { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(c.status, 404, 'nothing was pushed under the refused tag');
  });

  it('mounts a blob from the repository it was pulled from instead of uploading it', async () => {
    const dest = freshRoot();
    await pullImage(dest, `${host}/base/busybox:1`);
    await tagImage(dest, `${host}/base/busybox:1`, `${host}/other/copy:1`);
    const events: RegistryEvent[] = [];
    await pushImage(dest, `${host}/other/copy:1`, { onEvent: (e) => events.push(e) });
    const mounted = events.filter((e) => e.type === 'layer' && e.status === 'Mounted');
    assert.equal(mounted.length, 1);
    assert.equal((mounted[0] as { from?: string }).from, 'base/busybox');
    assert.deepEqual(await reg.server.consistencyProblems(), []);
  });

  it('says clearly when a tag does not exist', async () => {
    await assert.rejects(pullImage(freshRoot(), `${host}/base/busybox:nope`), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(e.message, /manifest for .*busybox:nope not found/);
      return true;
    });
    await assert.rejects(pushImage(src, `${host}/base/busybox:nope`), /An image does not exist locally with the tag/);
  });
});
