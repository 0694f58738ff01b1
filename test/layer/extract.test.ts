// Layer extraction: metadata fidelity, whiteouts (apply and overlay layer-dir modes), and confinement of hostile archives.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { lstat, mkdir, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { getAttribute } from '@napi-rs/xattr';
import { compressLayer, extractLayer, type ExtractOptions, type TarEntryInput } from '../../src/layer/index.ts';
import { encodeHeader } from '../../src/layer/tar-encode.ts';
import { normalizeHeader } from '../../src/layer/tar-writer.ts';
import { rejectsWith, removeDir, tarOf, tempDir } from './helpers.ts';

const asRoot = process.getuid?.() === 0;
const BIN = Buffer.from([0xff, 0x00, 0x80, 0x0a, 0x3d]);
const CAP = Buffer.from('0100000200040000000000000000000000000000', 'hex');

type Spec = Array<{ header: TarEntryInput; body?: string | Buffer }>;

async function extract(spec: Spec, target: string, opts: ExtractOptions = {}) {
  return extractLayer(Readable.from([await tarOf(spec)]), target, opts);
}

describe('extractLayer', { skip: !asRoot && 'needs root (owners, devices, security.capability)' }, () => {
  let dir = '';
  before(async () => {
    dir = await tempDir();
  });
  after(async () => removeDir(dir));

  it('creates every entry type with mode, owner, mtime and binary xattrs (gzip input)', async () => {
    const target = join(dir, 'all');
    await mkdir(target);
    const spec: Spec = [
      { header: { name: 'etc', type: 'dir', mode: 0o750, uid: 10, gid: 20, mtime: 1_000_000 } },
      { header: { name: 'etc/suid', type: 'file', mode: 0o4755, uid: 1_000_000, gid: 6, mtime: 2_208_988_800, xattrs: { 'user.bin': BIN, 'security.capability': CAP } }, body: 'bin' },
      { header: { name: 'etc/sgid', type: 'file', mode: 0o2711, mtime: 5 }, body: '' },
      { header: { name: 'tmp', type: 'dir', mode: 0o1777, mtime: 7 } },
      { header: { name: 'implicit/parent/file', type: 'file', mode: 0o600 }, body: 'deep' },
      { header: { name: 'etc/link', type: 'symlink', linkname: '/nonexistent/abs', uid: 4, gid: 5, mtime: 9 } },
      { header: { name: 'etc/hard', type: 'hardlink', linkname: '/etc/suid' } }, // absolute target, made relative
      { header: { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3, mtime: 11 } },
      { header: { name: 'dev/loop9', type: 'block', mode: 0o660, devmajor: 7, devminor: 9 } },
      { header: { name: 'run/fifo', type: 'fifo', mode: 0o620, uid: 33, gid: 33 } },
      { header: { name: '.', type: 'dir', mode: 0o755, mtime: 12 } },
    ];
    const { stream } = compressLayer(Readable.from([await tarOf(spec)]), 'gzip');
    const result = await extractLayer(stream, target);
    assert.equal(result.compression, 'gzip');
    assert.equal(result.entries, spec.length);
    assert.deepEqual(result.warnings, []);

    const st = async (p: string) => lstat(join(target, p));
    const suid = await st('etc/suid');
    assert.deepEqual([suid.mode & 0o7777, suid.uid, suid.gid, suid.mtimeMs / 1000], [0o4755, 1_000_000, 6, 2_208_988_800]);
    assert.deepEqual(await getAttribute(join(target, 'etc/suid'), 'user.bin'), BIN);
    assert.deepEqual(await getAttribute(join(target, 'etc/suid'), 'security.capability'), CAP);
    assert.equal((await st('etc/sgid')).mode & 0o7777, 0o2711);
    const etc = await st('etc');
    assert.deepEqual([etc.mode & 0o7777, etc.uid, etc.gid, etc.mtimeMs / 1000], [0o750, 10, 20, 1_000_000], 'dir metadata applied after its children');
    assert.equal((await st('tmp')).mode & 0o7777, 0o1777);
    assert.equal(await readFile(join(target, 'implicit/parent/file'), 'utf8'), 'deep');
    assert.equal((await st('implicit')).mode & 0o7777, 0o755);
    assert.equal(await readlink(join(target, 'etc/link')), '/nonexistent/abs');
    const link = await st('etc/link');
    assert.deepEqual([link.uid, link.gid, link.mtimeMs / 1000], [4, 5, 9]);
    assert.equal((await st('etc/hard')).ino, suid.ino);
    const dev = await st('dev/null');
    assert.ok(dev.isCharacterDevice());
    assert.deepEqual([dev.rdev, dev.mode & 0o7777], [(1 << 8) | 3, 0o666]);
    assert.ok((await st('dev/loop9')).isBlockDevice());
    const fifo = await st('run/fifo');
    assert.ok(fifo.isFIFO());
    assert.deepEqual([fifo.mode & 0o7777, fifo.uid], [0o620, 33]);
    assert.equal((await lstat(target)).mtimeMs / 1000, 12, "the '.' entry sets the root's metadata");
  });

  it('replaces what was there: file over dir, dir over symlink, file over hardlink', async () => {
    const target = join(dir, 'replace');
    await mkdir(target);
    await extract([
      { header: { name: 'x/inner', type: 'file' }, body: 'old' },
      { header: { name: 'y', type: 'symlink', linkname: '/' } },
      { header: { name: 'orig', type: 'file' }, body: 'original' },
      { header: { name: 'h', type: 'hardlink', linkname: 'orig' } },
    ], target);
    await extract([
      { header: { name: 'x', type: 'file' }, body: 'now a file' },
      { header: { name: 'y', type: 'dir' } },
      { header: { name: 'y/z', type: 'file' }, body: 'z' },
      { header: { name: 'h', type: 'file' }, body: 'new content' },
    ], target);
    assert.equal(await readFile(join(target, 'x'), 'utf8'), 'now a file');
    assert.ok((await lstat(join(target, 'y'))).isDirectory());
    assert.equal(await readFile(join(target, 'orig'), 'utf8'), 'original', 'writing over a hardlink makes a new inode');
  });

  describe('whiteouts', () => {
    const lower: Spec = [
      { header: { name: 'a/x', type: 'file' }, body: 'x' },
      { header: { name: 'a/y', type: 'file' }, body: 'y' },
      { header: { name: 'c/keep-lower', type: 'file' }, body: '' },
      { header: { name: 'c/old/deep', type: 'file' }, body: '' },
      { header: { name: 'gone', type: 'dir' } },
      { header: { name: 'gone/sub/file', type: 'file' }, body: '' },
    ];
    const upper: Spec = [
      { header: { name: 'a/.wh.x', type: 'file' } },
      { header: { name: 'a/.wh.never-existed', type: 'file' } },
      { header: { name: '.wh.gone', type: 'file' } },
      { header: { name: 'c/new', type: 'file' }, body: 'n' },
      { header: { name: 'c/old', type: 'dir' } },
      { header: { name: 'c/old/newfile', type: 'file' }, body: '' },
      // After its siblings on purpose: the opaque marker applies whatever the order.
      { header: { name: 'c/.wh..wh..opq', type: 'file' } },
    ];

    it('apply mode deletes whited-out paths and empties opaque directories of lower content', async () => {
      const target = join(dir, 'wh-apply');
      await mkdir(target);
      await extract(lower, target);
      await extract(upper, target);
      assert.deepEqual((await readdir(target)).sort(), ['a', 'c']);
      assert.deepEqual(await readdir(join(target, 'a')), ['y']);
      assert.deepEqual((await readdir(join(target, 'c'))).sort(), ['new', 'old']);
      assert.deepEqual(await readdir(join(target, 'c/old')), ['newfile']);
    });

    it('layer-dir mode records them the overlayfs way', async () => {
      const target = join(dir, 'wh-layerdir');
      await mkdir(target);
      await extract(upper, target, { mode: 'layer-dir' });
      const wh = await lstat(join(target, 'a/x'));
      assert.ok(wh.isCharacterDevice());
      assert.equal(wh.rdev, 0);
      assert.ok((await lstat(join(target, 'gone'))).isCharacterDevice());
      assert.deepEqual(await getAttribute(join(target, 'c'), 'trusted.overlay.opaque'), Buffer.from('y'));
      assert.equal(await getAttribute(join(target, 'a'), 'trusted.overlay.opaque'), null);
      assert.equal(await readFile(join(target, 'c/new'), 'utf8'), 'n');
    });

    it('a whiteout of a path the same layer creates is ignored (it only hides lower layers)', async () => {
      const target = join(dir, 'wh-same');
      await mkdir(target);
      const r = await extract([
        { header: { name: 'f', type: 'file' }, body: 'mine' },
        { header: { name: '.wh.f', type: 'file' } },
      ], target);
      assert.equal(await readFile(join(target, 'f'), 'utf8'), 'mine');
      assert.match(r.warnings.join('\n'), /whiteout of 'f'/);
    });

    it('overlayfs xattrs inside an archive are never applied', async () => {
      const target = join(dir, 'wh-forged');
      await mkdir(target);
      const r = await extract([{ header: { name: 'd', type: 'dir', xattrs: { 'trusted.overlay.opaque': 'y' } } }], target, { mode: 'layer-dir' });
      assert.equal(await getAttribute(join(target, 'd'), 'trusted.overlay.opaque'), null);
      assert.match(r.warnings.join('\n'), /overlayfs-internal/);
    });
  });
});

describe('hostile layers are rejected and nothing outside the target changes', { skip: !asRoot && 'needs root' }, () => {
  let base = '';
  let target = '';
  let sentinel = '';
  let snapshot = '';

  async function describeTree(root: string, skip: string): Promise<string> {
    const lines: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const name of (await readdir(d)).sort()) {
        const p = join(d, name);
        if (p === skip) continue;
        const st = await lstat(p);
        lines.push(`${relative(root, p)} ${st.mode.toString(8)} ${st.uid} ${st.nlink} ${st.size} ${st.mtimeMs}`);
        if (st.isDirectory()) await walk(p);
      }
    };
    await walk(root);
    return lines.join('\n');
  }

  before(async () => {
    base = await tempDir();
    sentinel = join(base, 'sentinel');
    await mkdir(join(sentinel, 'etc'), { recursive: true });
    await writeFile(join(sentinel, 'etc/passwd'), 'root:x:0:0\n');
    target = join(base, 'one/two/target');
    await mkdir(target, { recursive: true });
    snapshot = await describeTree(base, target);
  });
  beforeEach(async () => {
    for (const name of await readdir(target)) await removeDir(join(target, name));
  });
  after(async () => {
    try {
      assert.equal(await describeTree(base, target), snapshot, 'nothing outside the target changed');
      assert.equal(await readFile(join(sentinel, 'etc/passwd'), 'utf8'), 'root:x:0:0\n');
    } finally {
      await removeDir(base);
    }
  });

  async function hostile(spec: Spec, code: 'UNSAFE_PATH' | 'INVALID_ARCHIVE', pattern: RegExp, opts: ExtractOptions = {}): Promise<void> {
    await rejectsWith(extract(spec, target, opts), code, pattern);
    assert.equal(await describeTree(base, target), snapshot, 'nothing outside the target changed');
  }

  it("'..' traversal", async () => {
    await hostile([{ header: { name: '../../../sentinel/x', type: 'file' }, body: 'pwn' }], 'UNSAFE_PATH', /'\.\.\/\.\.\/\.\.\/sentinel\/x'.*'\.\.' component/);
    await hostile([{ header: { name: 'a/../../x', type: 'file' }, body: 'pwn' }], 'UNSAFE_PATH', /'\.\.' component/);
    await hostile([{ header: { name: '..', type: 'dir' } }], 'UNSAFE_PATH', /'\.\.' component/);
  });

  it('absolute paths are confined (docker semantics) or rejected on request', async () => {
    await extract([{ header: { name: `${sentinel}/etc/passwd`, type: 'file' }, body: 'confined' }], target);
    assert.equal(await readFile(join(target, sentinel, 'etc/passwd'), 'utf8'), 'confined');
    await hostile([{ header: { name: '/abs', type: 'file' } }], 'UNSAFE_PATH', /'\/abs': absolute paths are not allowed/, { absolutePaths: 'reject' });
  });

  it('a symlink to / then a path through it', async () => {
    await hostile(
      [
        { header: { name: 'a', type: 'symlink', linkname: '/' } },
        { header: { name: `a${sentinel}/etc/passwd`, type: 'file' }, body: 'pwn' },
      ],
      'UNSAFE_PATH',
      /component 'a' is a symlink; refusing to follow it/,
    );
  });

  it('symlink chains through ..', async () => {
    await hostile(
      [
        { header: { name: 'up', type: 'symlink', linkname: '../../..' } },
        { header: { name: 'up/sentinel/x', type: 'file' }, body: 'pwn' },
      ],
      'UNSAFE_PATH',
      /'up' is a symlink/,
    );
    await hostile(
      [
        { header: { name: 'x', type: 'dir' } },
        { header: { name: 'x/escape', type: 'symlink', linkname: '../../..' } },
        { header: { name: 'a', type: 'symlink', linkname: 'x/escape' } },
        { header: { name: 'a/sentinel/file', type: 'file' }, body: 'pwn' },
      ],
      'UNSAFE_PATH',
      /symlink/,
    );
  });

  it('hardlinks to /etc/passwd, to ../x, and to paths not yet extracted', async () => {
    await hostile([{ header: { name: 'h', type: 'hardlink', linkname: '/etc/passwd' } }], 'UNSAFE_PATH', /hardlink target '\/etc\/passwd' does not exist/);
    await hostile([{ header: { name: 'h', type: 'hardlink', linkname: `${sentinel}/etc/passwd` } }], 'UNSAFE_PATH', /does not exist/);
    await hostile([{ header: { name: 'h', type: 'hardlink', linkname: '../x' } }], 'UNSAFE_PATH', /'\.\.' component/);
    await hostile(
      [
        { header: { name: 'h', type: 'hardlink', linkname: 'later' } },
        { header: { name: 'later', type: 'file' }, body: '' },
      ],
      'UNSAFE_PATH',
      /'later' does not exist/,
    );
    await hostile(
      [
        { header: { name: 's', type: 'symlink', linkname: sentinel } },
        { header: { name: 'h', type: 'hardlink', linkname: 's/etc/passwd' } },
      ],
      'UNSAFE_PATH',
      /symlink/,
    );
  });

  it('a symlink to a host file, a hardlink to it, then a chmod-ing entry (CVE-2021-32760 shape)', async () => {
    await extract(
      [
        { header: { name: 's', type: 'symlink', linkname: `${sentinel}/etc/passwd` } },
        { header: { name: 'h', type: 'hardlink', linkname: 's' } },
        { header: { name: 'h', type: 'file', mode: 0o777 }, body: 'pwn' },
        { header: { name: 's', type: 'file', mode: 0o777 }, body: 'pwn' },
        { header: { name: 'd', type: 'dir', mode: 0o777 } },
        { header: { name: 'd', type: 'symlink', linkname: sentinel } }, // deferred dir chmod must not follow it
      ],
      target,
    );
    assert.equal(await readFile(join(target, 's'), 'utf8'), 'pwn');
    assert.equal(await readlink(join(target, 'd')), sentinel);
    assert.equal(await describeTree(base, target), snapshot);
  });

  it('a whiteout through a symlink', async () => {
    await hostile(
      [
        { header: { name: 'lnk', type: 'symlink', linkname: `${sentinel}/etc` } },
        { header: { name: 'lnk/.wh.passwd', type: 'file' } },
      ],
      'UNSAFE_PATH',
      /'lnk' is a symlink/,
    );
    await hostile(
      [
        { header: { name: 'lnk', type: 'symlink', linkname: sentinel } },
        { header: { name: 'lnk/.wh..wh..opq', type: 'file' } },
      ],
      'UNSAFE_PATH',
      /'lnk' is a symlink/,
    );
  });

  it('malformed whiteouts', async () => {
    for (const name of ['.wh.', '.wh..', '.wh...', 'etc/.wh..', '.wh..wh.plnk', 'a/.wh..wh.aufs']) {
      await hostile([{ header: { name, type: 'file' } }], 'INVALID_ARCHIVE', /malformed whiteout/);
    }
    await hostile([{ header: { name: '.wh.x', type: 'file' }, body: 'content' }], 'INVALID_ARCHIVE', /must be an empty regular file/);
    await hostile([{ header: { name: '.wh.x', type: 'dir' } }], 'INVALID_ARCHIVE', /must be an empty regular file/);
    await hostile([{ header: { name: '.wh.x', type: 'symlink', linkname: '/' } }], 'INVALID_ARCHIVE', /must be an empty regular file/);
  });

  it('corrupt archives: lying size, truncation, bad checksum', async () => {
    const tar = await tarOf([
      { header: { name: 'ok', type: 'file' }, body: 'fine' },
      { header: { name: 'liar', type: 'file' }, body: 'abc' },
    ]);
    const lying = Buffer.from(tar);
    lying.write((1 << 20).toString(8).padStart(11, '0') + '\0', 1024 + 124, 12, 'latin1');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : lying[1024 + i]!;
    lying.write(sum.toString(8).padStart(6, '0') + '\0 ', 1024 + 148, 8, 'latin1');
    await rejectsWith(extractLayer(Readable.from([lying]), target), 'INVALID_ARCHIVE', /entry 'liar'.*truncated/);
    await rejectsWith(extractLayer(Readable.from([tar.subarray(0, 1538)]), target), 'INVALID_ARCHIVE', /entry 'liar'.*truncated/);
    await rejectsWith(extractLayer(Readable.from([gzipSync(tar.subarray(0, 1536))]), target), 'INVALID_ARCHIVE', /truncated/);
    const gz = gzipSync(tar);
    await rejectsWith(extractLayer(Readable.from([gz.subarray(0, gz.length - 10)]), target), 'INVALID_ARCHIVE', /corrupt gzip data/);
    const bad = Buffer.from(tar);
    bad[1024 + 10] = 1;
    await rejectsWith(extractLayer(Readable.from([bad]), target), 'INVALID_ARCHIVE', /checksum/);
    await rejectsWith(extractLayer(Readable.from([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5])]), target), 'INVALID_ARCHIVE', /corrupt gzip data/);
  });

  it('a decompression bomb stops at maxSize', async () => {
    const header = encodeHeader(normalizeHeader({ name: 'bomb', type: 'file', size: 1 << 30 }));
    const member = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
    function* bomb(): Generator<Buffer> {
      yield gzipSync(header.subarray(0, 512));
      for (let i = 0; i < 1024; i++) yield member;
    }
    await rejectsWith(extractLayer(Readable.from(bomb()), target, { maxSize: 10 << 20 }), 'INVALID_ARCHIVE', /decompressed size exceeds the limit of 10485760 bytes/);
  });
});
