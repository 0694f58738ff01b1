// Overlay round trips: an upper dir (0/0 whiteouts, opaque xattr, hardlinks) → layer tar → layer dir, and a real overlayfs mount.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { link, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getAttribute, setAttribute } from '@napi-rs/xattr';
import { diffDirToTar, extractLayer } from '../../src/layer/index.ts';
import { collect, readAll, removeDir, run, tarOf, tempDir } from './helpers.ts';

const asRoot = process.getuid?.() === 0;
const BIN = Buffer.from([0xff, 0x00, 0x80, 0x0a, 0x3d]);
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex');

/** Every path under `root` with its kind, sorted; the merged view of a tree. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    const rel = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(root.length + 1);
    const kind = e.isDirectory() ? 'd' : e.isSymbolicLink() ? 'l' : e.isFile() ? `f:${await readFile(join(root, rel), 'utf8')}` : 'o';
    out.push(`${rel} ${kind}`);
  }
  return out.sort();
}

describe('diffDirToTar', { skip: !asRoot && 'needs root (mknod, trusted xattrs)' }, () => {
  let dir = '';
  before(async () => {
    dir = await tempDir();
  });
  after(async () => removeDir(dir));

  it('turns 0/0 char devices into .wh. entries and the opaque xattr into .wh..wh..opq, sorted, with hardlinks', async () => {
    const upper = join(dir, 'upper');
    await mkdir(join(upper, 'keep'), { recursive: true });
    await mkdir(join(upper, 'opaque'));
    await writeFile(join(upper, 'keep/a'), 'shared');
    await link(join(upper, 'keep/a'), join(upper, 'keep/b'));
    await run('mknod', [join(upper, 'deleted'), 'c', '0', '0']);
    await setAttribute(join(upper, 'opaque'), 'trusted.overlay.opaque', Buffer.from('y'));
    await writeFile(join(upper, 'opaque/new'), 'n');
    await symlink('keep/a', join(upper, 'link'));
    await writeFile(join(upper, 'cap'), 'c');
    await setAttribute(join(upper, 'cap'), 'user.bin', BIN);
    await setAttribute(join(upper, 'cap'), 'security.capability', CAP);
    for (const name of ['Z', 'zz', 'é']) await writeFile(join(upper, name), name);
    for (const p of ['', 'keep', 'opaque']) await utimes(join(upper, p), 1_000_000, 1_000_000);

    const tar = await collect(diffDirToTar(upper));
    const entries = await readAll(tar);
    assert.deepEqual(
      entries.map((e) => `${e.header.type} ${e.header.name}${e.header.linkname ? ` -> ${e.header.linkname}` : ''}`),
      [
        'file Z',
        'file cap',
        'file .wh.deleted',
        'dir keep',
        'file keep/a',
        'hardlink keep/b -> keep/a',
        'symlink link -> keep/a',
        'dir opaque',
        'file opaque/.wh..wh..opq',
        'file opaque/new',
        'file zz',
        'file é',
      ],
    );
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    assert.deepEqual(byName.get('cap')!.header.xattrs.get('user.bin'), BIN);
    assert.deepEqual(byName.get('cap')!.header.xattrs.get('security.capability'), CAP);
    assert.equal(byName.get('opaque')!.header.xattrs.size, 0, 'overlay xattrs stay out of the layer');
    assert.equal(byName.get('.wh.deleted')!.header.size, 0);
    assert.deepEqual(await collect(diffDirToTar(upper)), tar, 'deterministic');

    // Back to an overlay layer dir, and to a tar again: the same bytes.
    const layerDir = join(dir, 'layer-dir');
    await mkdir(layerDir);
    await extractLayer(Readable.from([tar]), layerDir, { mode: 'layer-dir' });
    assert.deepEqual(await getAttribute(join(layerDir, 'opaque'), 'trusted.overlay.opaque'), Buffer.from('y'));
    await utimes(layerDir, 1_000_000, 1_000_000);
    assert.deepEqual(await collect(diffDirToTar(layerDir)), tar);
  });
});

describe('real overlayfs', { skip: !asRoot && 'needs root (mount)' }, () => {
  let dir = '';
  let mounted: string[] = [];
  let canMount = true;
  let mounts = 0;
  before(async () => {
    dir = await tempDir();
    for (const d of ['probe/l', 'probe/u', 'probe/w', 'probe/m']) await mkdir(join(dir, d), { recursive: true });
    try {
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/probe/l,upperdir=${dir}/probe/u,workdir=${dir}/probe/w`, `${dir}/probe/m`]);
      await run('umount', [`${dir}/probe/m`]);
    } catch {
      canMount = false;
    }
  });
  after(async () => {
    for (const m of mounted.reverse()) await run('umount', [m]).catch(() => {});
    mounted = [];
    await removeDir(dir);
  });

  async function mount(lower: string, upper?: string): Promise<string> {
    const m = join(dir, `m${mounts++}`);
    await mkdir(m);
    const opts = upper ? `lowerdir=${lower},upperdir=${upper},workdir=${upper}.work` : `lowerdir=${lower}`;
    if (upper) await mkdir(`${upper}.work`);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, m]);
    mounted.push(m);
    return m;
  }

  it('a diff taken from a mounted upper dir reproduces the merged view (layer-dir and apply modes)', async (t) => {
    if (!canMount) return t.skip('overlay mounts are not permitted here');
    const base = join(dir, 'base');
    await mkdir(base);
    await extractLayer(
      Readable.from([
        await tarOf([
          { header: { name: 'etc/keep', type: 'file' }, body: 'keep' },
          { header: { name: 'etc/remove-me', type: 'file' }, body: 'bye' },
          { header: { name: 'var/cache/a', type: 'file' }, body: 'a' },
          { header: { name: 'var/cache/b', type: 'file' }, body: 'b' },
        ]),
      ]),
      base,
    );
    const upper = join(dir, 'upper');
    await mkdir(upper);
    const merged = await mount(base, upper);
    await rm(join(merged, 'etc/remove-me'));
    await rm(join(merged, 'var/cache'), { recursive: true });
    await mkdir(join(merged, 'var/cache'));
    await writeFile(join(merged, 'var/cache/fresh'), 'fresh');
    await writeFile(join(merged, 'etc/keep'), 'changed');
    const want = await tree(merged);
    await run('umount', [merged]);
    mounted.pop();

    const diff = await collect(diffDirToTar(upper));
    const names = (await readAll(diff)).map((e) => e.header.name);
    assert.ok(names.includes('etc/.wh.remove-me'), names.join(' '));
    assert.ok(names.includes('var/cache/.wh..wh..opq'), names.join(' '));

    const layerDir = join(dir, 'layer2');
    await mkdir(layerDir);
    await extractLayer(Readable.from([diff]), layerDir, { mode: 'layer-dir' });
    const stacked = await mount(`${layerDir}:${base}`);
    assert.deepEqual(await tree(stacked), want);

    const flat = join(dir, 'flat');
    await mkdir(flat);
    await run('cp', ['-a', `${base}/.`, flat]);
    await extractLayer(Readable.from([diff]), flat);
    assert.deepEqual(await tree(flat), want);
  });
});
