// Whiteout helpers: classification, construction, and the malformed names that must be refused.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWhiteoutName, opaquePath, parseWhiteout, whiteoutPath } from '../../src/layer/index.ts';

describe('whiteouts', () => {
  it('classifies paths', () => {
    assert.equal(parseWhiteout('etc/passwd'), undefined);
    assert.equal(parseWhiteout('etc/.whx'), undefined);
    assert.deepEqual(parseWhiteout('etc/.wh.passwd', 'file', 0), { kind: 'whiteout', dir: 'etc', name: 'passwd', target: 'etc/passwd' });
    assert.deepEqual(parseWhiteout('.wh.top'), { kind: 'whiteout', dir: '', name: 'top', target: 'top' });
    assert.deepEqual(parseWhiteout('a/b/.wh..wh..opq', 'file', 0), { kind: 'opaque', dir: 'a/b' });
    assert.deepEqual(parseWhiteout('.wh..wh..opq'), { kind: 'opaque', dir: '' });
    assert.ok(isWhiteoutName('.wh.x'));
    assert.ok(!isWhiteoutName('x.wh.'));
  });

  it('makes whiteout and opaque paths', () => {
    assert.equal(whiteoutPath('a/b'), 'a/.wh.b');
    assert.equal(whiteoutPath('top'), '.wh.top');
    assert.equal(whiteoutPath('dir/'), '.wh.dir');
    assert.equal(opaquePath('a/b/'), 'a/b/.wh..wh..opq');
    assert.equal(opaquePath(''), '.wh..wh..opq');
    assert.throws(() => whiteoutPath('a/..'), /cannot make a whiteout/);
  });

  it('refuses malformed whiteouts', () => {
    const bad: Array<[string, ('file' | 'dir' | 'symlink')?, number?]> = [
      ['.wh.'],
      ['a/.wh.'],
      ['.wh..'],
      ['.wh...'],
      ['etc/.wh..'],
      ['.wh..wh.plnk'],
      ['.wh..wh..opqx'],
      ['.wh.x', 'file', 3],
      ['.wh.x', 'dir'],
      ['a/.wh..wh..opq', 'symlink'],
    ];
    for (const [path, type, size] of bad) {
      assert.throws(() => parseWhiteout(path, type, size), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_ARCHIVE', path);
        assert.match(e.message, /malformed whiteout/);
        return true;
      });
    }
  });
});
