// contentChecksum: equal for equal content and metadata whatever the mtimes, different when a layer would differ, memoized reads.

import assert from 'node:assert/strict';
import { chmod, chown, mkdir, mkdtemp, readlink, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contentChecksum, type ChecksumOptions, type CopySource } from '../../src/build/copy/index.ts';
import { emptyIgnoreRules, walkContext } from '../../src/context/index.ts';

let base: string;
let counter = 0;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-checksum-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Files (string content) and symlinks (`-> target`) under a fresh directory, all with the given mtime. */
async function tree(spec: Record<string, string>, mtime = 1_600_000_000): Promise<string> {
  const root = join(base, `t${counter++}`);
  await mkdir(root);
  for (const [path, v] of Object.entries(spec)) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    if (v.startsWith('-> ')) await symlink(v.slice(3), abs);
    else {
      await writeFile(abs, v);
      await chmod(abs, 0o644);
      await utimes(abs, mtime, mtime);
    }
  }
  return root;
}

const ctx = async (dir: string): Promise<CopySource> => ({ kind: 'context', dir, entries: await walkContext(dir, emptyIgnoreRules()) });

async function sum(source: CopySource, sources = ['.'], extra: Partial<ChecksumOptions> = {}): Promise<string> {
  return (await contentChecksum({ source, sources, ...extra })).digest;
}

const SPEC = { 'a.txt': 'alpha', 'd/b.txt': 'beta', 'd/link': '-> ../a.txt', 'big.bin': 'x'.repeat(300_000) };

describe('contentChecksum', () => {
  it('is equal for equal content whatever the mtimes, and a sha256 digest', async () => {
    const one = await sum(await ctx(await tree(SPEC, 1_000_000_000)));
    const two = await sum(await ctx(await tree(SPEC, 1_700_000_000)));
    assert.match(one, /^sha256:[0-9a-f]{64}$/);
    assert.equal(one, two);
  });

  it('changes with content, mode, a link target, a name or the selection', async () => {
    const dir = await tree(SPEC);
    const before = await sum(await ctx(dir));
    const seen = new Set([before]);
    const changed = async (what: string, change: () => Promise<unknown>, revert: () => Promise<unknown>): Promise<void> => {
      await change();
      const d = await sum(await ctx(dir));
      assert.ok(!seen.has(d), `${what} should change the checksum`);
      seen.add(d);
      await revert();
      assert.equal(await sum(await ctx(dir)), before, `${what} reverted`);
    };
    await changed('content', () => writeFile(join(dir, 'd/b.txt'), 'BETA'), () => writeFile(join(dir, 'd/b.txt'), 'beta'));
    await changed('mode', () => chmod(join(dir, 'a.txt'), 0o755), () => chmod(join(dir, 'a.txt'), 0o644));
    const link = join(dir, 'd/link');
    const target = await readlink(link);
    await changed('link target', async () => (await unlink(link), symlink('../big.bin', link)), async () => (await unlink(link), symlink(target, link)));
    await changed('new file', () => writeFile(join(dir, 'd/new'), ''), () => unlink(join(dir, 'd/new')));
    assert.notEqual(await sum(await ctx(dir), ['a.txt']), await sum(await ctx(dir), ['d/b.txt']));
    assert.notEqual(await sum(await ctx(dir), ['.']), await sum(await ctx(dir), ['.'], { excludes: ['*.bin'] }));
    assert.notEqual(await sum(await ctx(dir), ['d']), await sum(await ctx(dir), ['./d'], { parents: true }));
  });

  it('ignores context ownership but covers it for stage directories', async () => {
    const dir = await tree({ f: 'f' });
    const ctxBefore = await sum(await ctx(dir));
    const dirBefore = await sum({ kind: 'dir', dir });
    await chown(join(dir, 'f'), 1234, 1234);
    assert.equal(await sum(await ctx(dir)), ctxBefore);
    assert.notEqual(await sum({ kind: 'dir', dir }), dirBefore);
  });

  it('reports missing sources like the copy does', async () => {
    await assert.rejects(sum(await ctx(await tree(SPEC)), ['nope']), /"\/nope": not found/);
    await assert.rejects(sum(await ctx(await tree(SPEC)), ['../x']), /forbidden path outside the build context/);
  });

  it('reads each file once: a memo hit skips reading', async () => {
    const dir = await tree(SPEC);
    const memo = new Map<string, string>();
    const first = await contentChecksum({ source: await ctx(dir), sources: ['.'], memo });
    assert.equal(first.files, 3);
    assert.equal(first.filesRead, 3);
    assert.ok(first.bytesRead >= 300_000);
    const second = await contentChecksum({ source: await ctx(dir), sources: ['.'], memo });
    assert.deepEqual([second.digest, second.filesRead, second.bytesRead], [first.digest, 0, 0]);

    // Same size and mtime but new bytes: the memo (keyed by dev, ino, size, mtime) is trusted, proving nothing was read.
    const st = await stat(join(dir, 'a.txt'));
    await writeFile(join(dir, 'a.txt'), 'ALPHA');
    await utimes(join(dir, 'a.txt'), st.atime, st.mtime);
    assert.equal((await contentChecksum({ source: await ctx(dir), sources: ['.'], memo })).digest, first.digest);
    const fresh = await contentChecksum({ source: await ctx(dir), sources: ['.'] });
    assert.notEqual(fresh.digest, first.digest);
    assert.equal(fresh.filesRead, 3);

    // A real edit changes the mtime: only that file is read again.
    await writeFile(join(dir, 'd/b.txt'), 'beta2');
    const third = await contentChecksum({ source: await ctx(dir), sources: ['.'], memo });
    assert.equal(third.filesRead, 1);
    assert.notEqual(third.digest, first.digest);
  });

  it('hashes 120 MB once, then answers from the memo quickly', async () => {
    const dir = join(base, 'large');
    await mkdir(dir);
    const chunk = Buffer.alloc(8 << 20, 7);
    for (let i = 0; i < 15; i++) await writeFile(join(dir, `f${i}`), chunk);
    const memo = new Map<string, string>();
    const source = await ctx(dir);
    const first = await contentChecksum({ source, sources: ['.'], memo });
    assert.equal(first.bytesRead, 15 * (8 << 20));
    const t0 = performance.now();
    const again = await contentChecksum({ source, sources: ['.'], memo });
    assert.equal(again.digest, first.digest);
    assert.equal(again.bytesRead, 0);
    assert.ok(performance.now() - t0 < 1000, 'a no-op rebuild does not re-read');
  });
});
