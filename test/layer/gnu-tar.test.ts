// GNU tar 1.34 as the oracle: archives berth writes extract identically with GNU tar, and berth reads GNU tar's archives.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { link, lstat, mkdir, readFile, readlink, symlink, utimes, lutimes, lchown, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { getAttribute, setAttribute } from '@napi-rs/xattr';
import { packTar, type TarEntryInput } from '../../src/layer/index.ts';
import { collect, readAll, removeDir, run, tempDir, type ReadEntry } from './helpers.ts';

const BIN = Buffer.from([0xff, 0x00, 0x80, 0x0a, 0x3d]);
// vfs_cap_data v2, effective, cap_net_bind_service permitted: a value the kernel accepts.
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex');
const T2040 = 2_208_988_800;
const LONG_100 = `${'a'.repeat(70)}/${'b'.repeat(60)}`;
const LONG_255 = `${'c'.repeat(120)}/${'d'.repeat(120)}/${'e'.repeat(120)}`;
const asRoot = process.getuid?.() === 0;
const XATTR_FLAGS = ['--xattrs', '--xattrs-include=*'];

describe('GNU tar reads what berth writes', { skip: !asRoot && 'needs root (owners, devices, security.capability)' }, () => {
  let dir = '';
  before(async () => {
    dir = await tempDir();
  });
  after(async () => removeDir(dir));

  const entries: Array<{ header: TarEntryInput; body?: string }> = [
    { header: { name: 'd', type: 'dir', mode: 0o2775, uid: 1000, gid: 1000, mtime: 1_600_000_000 } },
    {
      header: {
        name: 'd/f',
        type: 'file',
        mode: 0o4755,
        uid: 1_000_000,
        gid: 5,
        mtime: T2040,
        xattrs: { 'user.bin': BIN, 'security.capability': CAP },
      },
      body: 'payload\n',
    },
    { header: { name: LONG_100, type: 'file', mode: 0o640, uid: 7, gid: 8, mtime: 1_000 }, body: 'long100' },
    { header: { name: LONG_255, type: 'file', mode: 0o600, mtime: 2_000 }, body: 'long255' },
    { header: { name: 'd/sym', type: 'symlink', linkname: `../${'t'.repeat(150)}`, uid: 3, gid: 4, mtime: 3_000 } },
    { header: { name: 'd/hard', type: 'hardlink', linkname: 'd/f' } },
    { header: { name: 'null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3, mtime: 4_000 } },
    { header: { name: 'loop', type: 'block', mode: 0o660, devmajor: 7, devminor: 200, mtime: 4_000 } },
    { header: { name: 'pipe', type: 'fifo', mode: 0o1622, mtime: 5_000 } },
  ];

  it('lists the same names, modes, owners and link targets', async () => {
    await writeFile(join(dir, 'b.tar'), await collect(packTar(entries)));
    const listing = await run('tar', ['--utc', '-tvf', join(dir, 'b.tar'), '--numeric-owner', ...XATTR_FLAGS]);
    const lines = listing.trim().split('\n').map((l) => l.replace(/\s+/g, ' '));
    assert.equal(lines.length, entries.length);
    const want = [
      /^drwxrwsr-x 1000\/1000 +0 .* d\/$/,
      /^-rwsr-xr-x\* 1000000\/5 +8 2040-01-01 00:00 d\/f$/,
      new RegExp(`^-rw-r----- 7/8 +7 .* ${LONG_100}$`),
      new RegExp(`^-rw------- 0/0 +7 .* ${LONG_255}$`),
      new RegExp(`^lrwxrwxrwx 3/4 +0 .* d/sym -> \\.\\./t{150}$`),
      /^hrw-r--r-- 0\/0 +0 .* d\/hard link to d\/f$/,
      /^crw-rw-rw- 0\/0 +1,3 .* null$/,
      /^brw-rw---- 0\/0 +7,200 .* loop$/,
      /^prw--w--wT 0\/0 +0 .* pipe$/,
    ];
    for (const [i, re] of want.entries()) assert.match(lines[i]!, re);
  });

  it('extracts with the same modes, owners, times, links and binary xattrs', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await run('tar', ['-xpf', join(dir, 'b.tar'), '-C', out, '--numeric-owner', ...XATTR_FLAGS]);
    const st = await lstat(join(out, 'd/f'));
    assert.equal(st.mode & 0o7777, 0o4755);
    assert.deepEqual([st.uid, st.gid, Math.floor(st.mtimeMs / 1000)], [1_000_000, 5, T2040]);
    assert.equal(await readFile(join(out, 'd/f'), 'utf8'), 'payload\n');
    assert.deepEqual(await getAttribute(join(out, 'd/f'), 'user.bin'), BIN);
    assert.deepEqual(await getAttribute(join(out, 'd/f'), 'security.capability'), CAP);
    assert.equal((await lstat(join(out, 'd/hard'))).ino, st.ino);
    const d = await lstat(join(out, 'd'));
    assert.deepEqual([d.mode & 0o7777, d.uid, d.gid], [0o2775, 1000, 1000]);
    assert.equal(await readlink(join(out, 'd/sym')), `../${'t'.repeat(150)}`);
    assert.equal(await readFile(join(out, LONG_255), 'utf8'), 'long255');
    assert.equal(((await lstat(join(out, LONG_100))).mode & 0o7777), 0o640);
    const dev = await lstat(join(out, 'null'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, (1 << 8) | 3);
    const fifo = await lstat(join(out, 'pipe'));
    assert.ok(fifo.isFIFO());
    assert.equal(fifo.mode & 0o7777, 0o1622);
  });
});

describe('berth reads what GNU tar writes', { skip: !asRoot && 'needs root (chown, mknod, security.capability)' }, () => {
  let dir = '';
  let src = '';
  before(async () => {
    dir = await tempDir();
    src = join(dir, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await mkdir(join(src, LONG_255.split('/').slice(0, 2).join('/')), { recursive: true });
    await mkdir(join(src, LONG_100.split('/')[0]!), { recursive: true });
    await writeFile(join(src, 'sub/file'), 'content\n');
    await chmod(join(src, 'sub/file'), 0o4711);
    await lchown(join(src, 'sub/file'), 1_000_000, 1_000_000);
    await setAttribute(join(src, 'sub/file'), 'user.bin', BIN);
    await setAttribute(join(src, 'sub/file'), 'security.capability', CAP);
    await utimes(join(src, 'sub/file'), T2040, T2040);
    await link(join(src, 'sub/file'), join(src, 'sub/hardlink'));
    await writeFile(join(src, LONG_100), 'l100');
    await writeFile(join(src, LONG_255), 'l255');
    await symlink(`/${'s'.repeat(140)}/target`, join(src, 'sub/symlink'));
    await lchown(join(src, 'sub/symlink'), 3_000_000, 12);
    await lutimes(join(src, 'sub/symlink'), 1234, 1234);
    await run('mknod', ['-m', '0640', join(src, 'sub/fifo'), 'p']);
    await chmod(join(src, 'sub'), 0o3755);
  });
  after(async () => removeDir(dir));

  async function expectMatchesSource(entries: ReadEntry[], withXattrs: boolean): Promise<void> {
    const byName = new Map(entries.map((e) => [e.header.name.replace(/^\.\//, ''), e]));
    assert.ok(byName.has('.'), 'the root entry');
    const names = [...byName.keys()].sort();
    assert.deepEqual(names, [
      '.',
      LONG_100.split('/')[0]!,
      LONG_100,
      LONG_255.split('/')[0]!,
      LONG_255.split('/').slice(0, 2).join('/'),
      LONG_255,
      'sub',
      'sub/fifo',
      'sub/file',
      'sub/hardlink',
      'sub/symlink',
    ].sort());
    for (const [name, { header, body }] of byName) {
      const st = await lstat(join(src, name));
      const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : 'file';
      if (name === 'sub/hardlink') {
        // GNU tar stores the later of two links as the hardlink.
        assert.equal(header.type, 'hardlink');
        assert.equal(header.linkname.replace(/^\.\//, ''), 'sub/file');
        continue;
      }
      assert.equal(header.type, type, name);
      assert.equal(header.mode, st.mode & 0o7777, `${name} mode`);
      assert.deepEqual([header.uid, header.gid], [st.uid, st.gid], `${name} owner`);
      assert.equal(header.mtime.sec, Math.floor(st.mtimeMs / 1000), `${name} mtime`);
      if (type === 'file') assert.deepEqual(body, await readFile(join(src, name)), `${name} body`);
      if (type === 'symlink') assert.equal(header.linkname, await readlink(join(src, name)));
    }
    if (withXattrs) {
      const file = byName.get('sub/file')!.header;
      assert.deepEqual(file.xattrs.get('user.bin'), BIN);
      assert.deepEqual(file.xattrs.get('security.capability'), CAP);
    }
  }

  it('--format=pax with xattrs (PAX paths, sub-second times, binary SCHILY.xattr)', async () => {
    const tar = join(dir, 'pax.tar');
    await run('tar', ['--format=pax', ...XATTR_FLAGS, '-cf', tar, '-C', src, '.']);
    await expectMatchesSource(await readAll(await readFile(tar)), true);
  });

  it('--format=gnu (././@LongLink L/K entries, base-256 ids)', async () => {
    const tar = join(dir, 'gnu.tar');
    await run('tar', ['--format=gnu', '-cf', tar, '-C', src, '.']);
    const bytes = await readFile(tar);
    assert.ok(bytes.includes('././@LongLink'), 'GNU long names were used');
    assert.ok(bytes.includes(Buffer.from('80000000002dc6c0', 'hex')), 'uid 3000000 was written base-256');
    await expectMatchesSource(await readAll(bytes), false);
  });
});
