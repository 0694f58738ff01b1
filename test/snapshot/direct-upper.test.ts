// A COPY into a new path writes into the upper dir without a mount: which ancestors it copies up,
// when it refuses (symlink, file, existing destination), and that the upper dir it leaves is the
// one a real overlayfs mount leaves for the same writes (the kernel is the oracle).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readXattrsSync, setXattr } from '../../src/layer/index.ts';
import { ancestorsToCopyUp, prepareDirectUpper, prepareSnapshot } from '../../src/snapshot/index.ts';

const root = process.getuid?.() === 0;
const work = mkdtempSync(path.join(tmpdir(), 'berth-direct-upper-'));
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function layer(build: (dir: string) => void): string {
  const dir = path.join(work, `layer-${n++}`);
  mkdirSync(dir);
  build(dir);
  return dir;
}
const dirAt = (base: string, rel: string, mode: number, owner: [number, number], mtime: number): void => {
  const d = path.join(base, rel);
  mkdirSync(d, { recursive: true });
  chmodSync(d, mode);
  chownSync(d, ...owner);
  utimesSync(d, mtime, mtime);
};
const whiteout = (base: string, rel: string): void => void execFileSync('mknod', [path.join(base, rel), 'c', '0', '0']);

describe('direct upper (COPY without a mount)', { skip: root ? false : 'needs root (owners, device nodes, overlay mounts)' }, () => {
  it('copies up the top-most instance of each existing ancestor; stops where the path is new', () => {
    const l1 = layer((d) => { dirAt(d, 'a', 0o750, [12, 34], 1e9); dirAt(d, 'a/b', 0o700, [1, 2], 1e9); });
    const l2 = layer((d) => dirAt(d, 'a', 0o711, [5, 6], 2e9));
    const chain = ancestorsToCopyUp([l1, l2], ['a', 'b', 'new', 'file']);
    assert.deepEqual(chain?.map((c) => [c.rel, c.source, c.st.mode & 0o7777]), [['a', path.join(l2, 'a'), 0o711], ['a/b', path.join(l1, 'a/b'), 0o700]]);
  });

  it('a whiteout hides the lower path; an opaque directory hides what lies below it', async () => {
    const l1 = layer((d) => { dirAt(d, 'a/b', 0o755, [0, 0], 1e9); dirAt(d, 'c/d', 0o755, [0, 0], 1e9); });
    const l2 = layer((d) => { whiteout(d, 'a'); dirAt(d, 'c', 0o755, [0, 0], 1e9); });
    await setXattr(path.join(l2, 'c'), 'trusted.overlay.opaque', Buffer.from('y'));
    assert.deepEqual(ancestorsToCopyUp([l1, l2], ['a', 'b', 'x']), []);
    assert.deepEqual(ancestorsToCopyUp([l1, l2], ['c', 'd', 'x'])?.map((c) => c.rel), ['c']);
  });

  it('needs the mount when the destination exists, or an ancestor is a symlink or a file', () => {
    const l1 = layer((d) => {
      dirAt(d, 'usr/lib', 0o755, [0, 0], 1e9);
      symlinkSync('usr/lib', path.join(d, 'lib'));
      writeFileSync(path.join(d, 'file'), 'x');
    });
    assert.equal(ancestorsToCopyUp([l1], ['usr', 'lib']), undefined);
    assert.equal(ancestorsToCopyUp([l1], ['lib', 'x']), undefined);
    assert.equal(ancestorsToCopyUp([l1], ['file', 'x']), undefined);
    assert.equal(ancestorsToCopyUp([l1], []), undefined);
    assert.deepEqual(ancestorsToCopyUp([l1], ['usr', 'lib', 'new'])?.map((c) => c.rel), ['usr', 'usr/lib']);
  });

  it('leaves the same upper dir as an overlayfs mount given the same writes', async () => {
    const l1 = layer((d) => { dirAt(d, 'srv', 0o750, [12, 34], 1e9); dirAt(d, 'srv/app', 0o775, [7, 8], 1.1e9); });
    const l2 = layer((d) => dirAt(d, 'srv', 0o751, [3, 4], 1.2e9));
    await setXattr(path.join(l2, 'srv'), 'user.note', Buffer.from('kept'));
    const write = (rootDir: string): void => {
      mkdirSync(path.join(rootDir, 'srv/app/new/deep'), { recursive: true });
      writeFileSync(path.join(rootDir, 'srv/app/new/deep/f'), 'data');
    };
    const mountedWork = path.join(work, 'mounted');
    const snap = await prepareSnapshot(mountedWork, [l1, l2]);
    try { write(snap.root); } finally { await snap.release(); }
    const direct = await prepareDirectUpper(path.join(work, 'direct'), [l1, l2], ['srv', 'app', 'new']);
    assert.ok(direct);
    write(direct.root);
    await direct.release();
    const describe = (upper: string, rel: string): unknown => {
      const st = lstatSync(path.join(upper, rel));
      const xattrs = [...readXattrsSync(path.join(upper, rel))].filter(([k]) => !k.startsWith('trusted.overlay.')).map(([k, v]) => `${k}=${v.toString()}`);
      // The directory the write lands in gets a fresh mtime either way; copied-up parents keep theirs.
      return { mode: st.mode, uid: st.uid, gid: st.gid, mtime: rel === 'srv/app' ? 'fresh' : Math.floor(st.mtimeMs / 1000), xattrs };
    };
    for (const rel of ['srv', 'srv/app', 'srv/app/new', 'srv/app/new/deep', 'srv/app/new/deep/f']) {
      const got = describe(direct.upper, rel) as { mtime: unknown };
      const want = describe(snap.upper, rel) as { mtime: unknown };
      if (rel.startsWith('srv/app/new')) { got.mtime = want.mtime = 'new'; }
      assert.deepEqual(got, want, rel);
    }
    assert.equal(Math.floor(lstatSync(path.join(direct.upper, 'srv')).mtimeMs / 1000), 1.2e9);
  });
});
