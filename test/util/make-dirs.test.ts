// makeDirs: node's recursive mkdir semantics (first created directory, modes, existing paths),
// but ending with mkdir's error where node's own loops forever (procfs).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { makeDirs } from '../../src/util/make-dirs.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-make-dirs-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('creates the missing parents and returns the first directory it made', async () => {
    const deep = path.join(work, 'a', 'b', 'c');
    assert.equal(await makeDirs(deep, 0o750), path.join(work, 'a'));
    for (const d of ['a', 'a/b', 'a/b/c']) assert.equal(statSync(path.join(work, d)).mode & 0o777, 0o750 & ~process.umask(), d);
    assert.equal(await makeDirs(deep), undefined, 'an existing directory: nothing made');
    assert.equal(await makeDirs(path.join(work, 'a', 'b', 'd')), path.join(work, 'a', 'b', 'd'));
  });

  it('refuses a path that is, or runs through, a file', async () => {
    const file = path.join(work, 'file');
    writeFileSync(file, '');
    await assert.rejects(makeDirs(file), { code: 'EEXIST' });
    await assert.rejects(makeDirs(path.join(file, 'below')), { code: 'ENOTDIR' });
  });

  it('makes the same tree from many callers at once', async () => {
    const deep = path.join(work, 'race', 'x', 'y', 'z');
    const made = await Promise.all(Array.from({ length: 12 }, () => makeDirs(deep)));
    assert.ok(statSync(deep).isDirectory());
    assert.ok(made.filter((m) => m !== undefined).length >= 1);
  });

  // Fails by timing out with fs.promises.mkdir(…, { recursive: true }), which never settles here.
  it('ends with ENOENT where mkdir(2) refuses under an existing parent (procfs)', { timeout: 10_000 }, async () => {
    await assert.rejects(makeDirs('/proc/berth-make-dirs-test/x'), { code: 'ENOENT' });
    await assert.rejects(makeDirs('/proc/berth-make-dirs-test'), { code: 'ENOENT' });
  });
});
