// Without git on the PATH, a git source fails with what is missing and how to get it, not with a
// hint about the repository's URL (runs in its own process: PATH is emptied before the module loads).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BerthError } from '../../src/util/errors.ts';

const empty = mkdtempSync(path.join(tmpdir(), 'berth-no-git-'));
after(() => rmSync(empty, { recursive: true, force: true }));

describe('git sources without git', () => {
  it('resolving a ref and checking out say git is missing (MISSING_DEPENDENCY, apt-get hint)', async () => {
    process.env.PATH = empty;
    const { resolveCommit, checkoutCommit } = await import('../../src/build/git/checkout.ts');
    const ref = { remote: 'https://git.example.invalid/repo.git', ref: 'main', subdir: '' };
    for (const attempt of [() => resolveCommit(ref), () => checkoutCommit(ref, 'a'.repeat(40), path.join(empty, 'co'), { keepGitDir: false })]) {
      await assert.rejects(attempt(), (e: unknown) => {
        assert.ok(e instanceof BerthError, String(e));
        assert.equal(e.code, 'MISSING_DEPENDENCY');
        assert.match(e.message, /needs git, which is not installed/);
        assert.doesNotMatch(e.message, /cannot read the git repository/);
        assert.match(e.hint ?? '', /apt-get install git/);
        return true;
      });
    }
  });
});
