// Unpacked layer snapshots: a two-layer image (a whiteout and an opaque dir in the top layer) loaded,
// unpacked into overlayfs form, and stacked with a real overlay mount that shows the merged tree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { loadImages } from '../../src/api/index.ts';
import { packTar, type TarSourceEntry } from '../../src/layer/index.ts';
import { Store } from '../../src/store/index.ts';

const xattr = createRequire(import.meta.url)('@napi-rs/xattr') as { getAttributeSync(p: string, name: string): Buffer | null };
const work = mkdtempSync(path.join(tmpdir(), 'berth-snap-'));
const mounts: string[] = [];
after(() => {
  for (const m of mounts) execFileSync('umount', [m]);
  rmSync(work, { recursive: true, force: true });
});

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const file = (name: string, text: string): TarSourceEntry => ({ header: { name, type: 'file' }, body: Buffer.from(text) });
const dir = (name: string): TarSourceEntry => ({ header: { name, type: 'dir' } });

async function twoLayerArchive(): Promise<{ archive: Buffer; diffIds: string[] }> {
  const lower = await bytes(packTar([dir('d'), file('d/a', 'a'), file('d/b', 'b'), file('keep', 'gone soon'), file('stay', 'stays')]));
  const upper = await bytes(packTar([file('.wh.keep', ''), dir('d'), file('d/.wh..wh..opq', ''), file('d/new', 'new')]));
  const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const diffIds = [sha(lower), sha(upper)];
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds },
    history: [{ created_by: 'lower' }, { created_by: 'upper' }],
  }));
  const manifest = Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: ['snap:1'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]));
  const archive = await bytes(packTar([
    file('config.json', config.toString()), { header: { name: 'l1/layer.tar', type: 'file' }, body: lower },
    { header: { name: 'l2/layer.tar', type: 'file' }, body: upper }, file('manifest.json', manifest.toString()),
  ]));
  return { archive, diffIds };
}

describe('layer snapshots', () => {
  it('unpack each layer once, in overlay form, and stack into the merged filesystem', async () => {
    const root = path.join(work, 'store');
    const { archive, diffIds } = await twoLayerArchive();
    await loadImages(root, Readable.from([archive]));
    const store = await Store.open(root);
    const [img] = await store.images();
    const layers = (JSON.parse((await store.blobs.read(img!.manifest)).toString()) as { layers: Array<{ digest: string }> }).layers;
    const dirs = [];
    for (const [i, d] of diffIds.entries()) dirs.push(await store.snapshots.ensure(d, layers[i]!.digest));
    assert.equal(await store.snapshots.ensure(diffIds[0]!, layers[0]!.digest), dirs[0], 'a second ensure reuses the snapshot');

    const upper = dirs[1]!;
    const wh = lstatSync(path.join(upper, 'keep'));
    assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'a deleted path is a 0/0 char device');
    assert.equal(xattr.getAttributeSync(path.join(upper, 'd'), 'trusted.overlay.opaque')?.toString(), 'y');

    const merged = path.join(work, 'merged');
    mkdirSync(merged);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dirs[1]}:${dirs[0]}`, merged]);
    mounts.push(merged);
    assert.deepEqual(readdirSync(merged).sort(), ['d', 'stay']);
    assert.deepEqual(readdirSync(path.join(merged, 'd')), ['new']);
    assert.equal(readFileSync(path.join(merged, 'stay'), 'utf8'), 'stays');
  });

  it('garbage collection removes the snapshots of removed images', async () => {
    const root = path.join(work, 'store');
    execFileSync('umount', [mounts.pop()!]);
    const store = await Store.open(root);
    const [img] = await store.images();
    await store.removeImage(img!.manifest);
    await store.collectGarbage();
    assert.equal(existsSync(path.join(root, 'snapshots')) ? readdirSync(path.join(root, 'snapshots')).length : 0, 0);
  });
});
