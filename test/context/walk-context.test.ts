// Tests for walkContext on real temporary trees: filtering, re-inclusion, symlinks, ordering, metadata, errors.

import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../src/util/errors.ts';
import { compareByteOrder, parseDockerignore, walkContext, type ContextEntry } from '../../src/context/index.ts';
import { loadReadmeExamples, README_URL } from './conformance-readme.ts';

const readme = await loadReadmeExamples();
const noReadme = readme === undefined ? `conformance README not found at ${README_URL.pathname}` : false;

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-walk-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
/** Creates a fresh context holding `files` (a trailing `/` makes a directory). */
async function makeTree(files: readonly string[]): Promise<string> {
  const root = path.join(tmp, `ctx${counter++}`);
  await mkdir(root);
  for (const f of files) {
    const full = path.join(root, f);
    if (f.endsWith('/')) {
      await mkdir(full, { recursive: true });
    } else {
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, `content of ${f}\n`);
    }
  }
  return root;
}

const walk = async (root: string, ignore = ''): Promise<ContextEntry[]> => walkContext(root, parseDockerignore(ignore));
const paths = (entries: readonly ContextEntry[]): string[] => entries.map((e) => e.path);

describe('walkContext filtering', () => {
  it('lists everything, parents first, with no rules', async () => {
    const root = await makeTree(['Dockerfile', 'src/a.ts', 'src/lib/b.ts', 'empty/']);
    assert.deepEqual(paths(await walk(root)), ['Dockerfile', 'empty', 'src', 'src/a.ts', 'src/lib', 'src/lib/b.ts']);
  });

  it('drops excluded files and whole excluded directories', async () => {
    const root = await makeTree(['app.ts', 'debug.log', 'logs/x.log', 'node_modules/pkg/index.js', 'build/out.o', 'src/build']);
    const got = paths(await walk(root, 'node_modules\n*.log\nbuild'));
    assert.deepEqual(got, ['app.ts', 'logs', 'logs/x.log', 'src', 'src/build']);
  });

  it('re-includes a file under an excluded directory and lists the directory as an implied parent', async () => {
    const root = await makeTree(['docs/keep.txt', 'docs/other.txt', 'docs/sub/deep.txt', 'readme']);
    const entries = await walk(root, 'docs\n!docs/keep.txt');
    assert.deepEqual(paths(entries), ['docs', 'docs/keep.txt', 'readme']);
    assert.equal(entries[0]?.impliedParent, true);
    assert.equal(entries[0]?.type, 'dir');
    assert.equal(entries[1]?.impliedParent, false);
  });

  it('follows BuildKit for wildcard exceptions: ** then !**/*.go sends pkg/x.go', async () => {
    const root = await makeTree(['main.go', 'pkg/x.go', 'pkg/y.txt', 'pkg/deep/z.go', 'README.md']);
    const entries = await walk(root, '**\n!**/*.go');
    assert.deepEqual(paths(entries), ['main.go', 'pkg', 'pkg/deep', 'pkg/deep/z.go', 'pkg/x.go']);
    assert.deepEqual(
      entries.filter((e) => e.impliedParent).map((e) => e.path),
      ['pkg', 'pkg/deep'],
    );
  });

  it('handles nested exception / exclusion layers', async () => {
    const root = await makeTree(['docs/keep/a', 'docs/keep/secret/x', 'docs/other']);
    const got = paths(await walk(root, 'docs\n!docs/keep\ndocs/keep/secret'));
    assert.deepEqual(got, ['docs', 'docs/keep', 'docs/keep/a']);
  });

  it('re-includes a whole directory matched by an exception on an ancestor', async () => {
    const root = await makeTree(['src/a/b.ts', 'lib/c.ts', 'top.txt']);
    assert.deepEqual(paths(await walk(root, '*\n!src')), ['src', 'src/a', 'src/a/b.ts']);
  });

  it('subjects the Dockerfile and .dockerignore to the rules like any file', async () => {
    const root = await makeTree(['Dockerfile', '.dockerignore', 'app.js']);
    assert.deepEqual(paths(await walk(root, 'Dockerfile\n.dockerignore')), ['app.js']);
    assert.deepEqual(paths(await walk(root, '')), ['.dockerignore', 'Dockerfile', 'app.js']);
    assert.deepEqual(paths(await walk(root, '*')), []);
  });

  it('never lists the context root, even with `.` or `/` patterns', async () => {
    const root = await makeTree(['a']);
    assert.deepEqual(paths(await walk(root, '.\n/')), ['a']);
  });

  it('agrees with the matcher on every path, for many rule sets', async () => {
    const files = ['a/b/x.go', 'a/b/c.txt', 'a/keep/b', 'a/x.go', 'b/a/keep', 'b/c/x.go', 'docs/keep/a', 'docs/b', 'keep/b/a', 'x.go', 'c.txt'];
    const root = await makeTree(files);
    const all = paths(await walk(root));
    const ruleSets = [
      'docs\n!docs/keep',
      '**\n!**/*.go',
      '*\n!a/b',
      'a\n!a/**/x.go',
      'a\n!**/keep/b',
      '**\n!keep\nkeep/b\n!keep/b/a',
      'a/b\n!a',
      '*\n!*/*/x.go',
      'b\n!b/[a-c]',
      '**\n!**/keep',
      '*.txt\n!a/**',
      '**/b\n!**/b/x.go',
    ];
    for (const rules of ruleSets) {
      const { matcher } = parseDockerignore(rules);
      const entries = await walkContext(root, { matcher });
      const included = all.filter((p) => !matcher.matchesOrParentMatches(p));
      // Every included path, plus each excluded ancestor of one, and nothing else.
      const implied = all.filter((p) => matcher.matchesOrParentMatches(p) && included.some((q) => q.startsWith(p + '/')));
      assert.deepEqual(paths(entries), [...included, ...implied].sort(compareByteOrder), rules);
      assert.deepEqual(entries.filter((e) => e.impliedParent).map((e) => e.path), implied, rules);
    }
  });
});

describe('README examples on a real tree', () => {
  it('sends exactly what the tables say (the matcher is authoritative, as in BuildKit)', { skip: noReadme }, async () => {
    for (const ex of readme?.matching ?? []) {
      // Paths with a trailing pattern-only meaning (a directory, or `foo` as a file) get a real entry.
      const root = await makeTree([ex.isDir ? ex.path + '/' : ex.path]);
      const entries = await walk(root, ex.patterns.join('\n'));
      const entry = entries.find((e) => e.path === ex.path);
      const listedAsIncluded = entry !== undefined && !entry.impliedParent;
      assert.equal(listedAsIncluded, !ex.excluded, `${JSON.stringify(ex.patterns)} vs ${ex.path} (row: ${ex.row})`);
    }
  });
});

describe('symlinks', () => {
  it('reports links with their target and never follows them', async () => {
    const outside = await makeTree(['secret.txt', 'dir/inner.txt']);
    const root = await makeTree(['real/file.txt']);
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'to-outside-file'));
    await symlink(path.join(outside, 'dir'), path.join(root, 'to-outside-dir'));
    await symlink('real', path.join(root, 'to-real'));
    await symlink('loop-b', path.join(root, 'loop-a'));
    await symlink('loop-a', path.join(root, 'loop-b'));
    await symlink('.', path.join(root, 'real', 'self'));
    await symlink('does/not/exist', path.join(root, 'dangling'));
    const entries = await walk(root);
    assert.deepEqual(paths(entries), [
      'dangling',
      'loop-a',
      'loop-b',
      'real',
      'real/file.txt',
      'real/self',
      'to-outside-dir',
      'to-outside-file',
      'to-real',
    ]);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    assert.equal(byPath.get('to-outside-dir')?.type, 'symlink');
    assert.equal(byPath.get('to-outside-dir')?.linkTarget, path.join(outside, 'dir'));
    assert.equal(byPath.get('to-real')?.linkTarget, 'real');
    assert.equal(byPath.get('loop-a')?.linkTarget, 'loop-b');
    assert.equal(byPath.get('dangling')?.linkTarget, 'does/not/exist');
    assert.equal(byPath.get('real/self')?.type, 'symlink');
    assert.equal(byPath.get('real/file.txt')?.linkTarget, undefined);
    assert.ok(!entries.some((e) => e.path.includes('inner.txt') || e.path.includes('secret')));
  });

  it('matches rules against the link itself, not its target', async () => {
    const root = await makeTree(['real/file.txt']);
    await symlink('real', path.join(root, 'alias'));
    assert.deepEqual(paths(await walk(root, 'real')), ['alias']);
    assert.deepEqual(paths(await walk(root, 'alias')), ['real', 'real/file.txt']);
  });

  it('accepts a context root that is itself a symlink to a directory', async () => {
    const real = await makeTree(['a']);
    const alias = path.join(tmp, `alias${counter++}`);
    await symlink(real, alias);
    assert.deepEqual(paths(await walk(alias)), ['a']);
  });
});

describe('ordering', () => {
  it('sorts by UTF-8 byte order with parents before children', async () => {
    const names = ['a/x', 'a-b', 'a.b', 'B', 'b', '_', 'é', '\u{1F600}', '\uFF21', 'a b', 'a/b/c', 'ab'];
    const root = await makeTree(names);
    const got = paths(await walk(root));
    const expected = [...got].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(got, expected);
    assert.ok(got.indexOf('\uFF21') < got.indexOf('\u{1F600}'), 'U+FF21 sorts before an astral character in byte order');
    assert.ok(got.indexOf('a') < got.indexOf('a/b') && got.indexOf('a/b') < got.indexOf('a/b/c'));
  });
});

describe('metadata', () => {
  it('reports lstat fields, types and hard links', async () => {
    const root = await makeTree(['file.txt', 'dir/']);
    await link(path.join(root, 'file.txt'), path.join(root, 'hard.txt'));
    const entries = await walk(root);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    const file = byPath.get('file.txt');
    const hard = byPath.get('hard.txt');
    const dir = byPath.get('dir');
    assert.ok(file && hard && dir);
    const st = await stat(path.join(root, 'file.txt'), { bigint: true });
    assert.equal(file.type, 'file');
    assert.equal(file.size, 'content of file.txt\n'.length);
    assert.equal(file.mode, Number(st.mode));
    assert.equal(file.uid, Number(st.uid));
    assert.equal(file.gid, Number(st.gid));
    assert.equal(file.ino, st.ino);
    assert.equal(file.dev, st.dev);
    assert.equal(file.mtimeNs, st.mtimeNs);
    assert.ok(Math.abs(file.mtimeMs - Number(st.mtimeMs)) < 1);
    assert.equal(file.nlink, 2);
    assert.equal(hard.ino, file.ino);
    assert.equal(dir.type, 'dir');
    assert.equal(dir.mode & 0o170000, 0o040000);
  });

  it('reports sockets, FIFOs and devices as "other" when present', async (t) => {
    const root = await makeTree(['a']);
    const net = await import('node:net');
    const server = net.createServer();
    const sock = path.join(root, 's.sock');
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(sock, resolve);
      });
    } catch {
      t.skip('cannot create a unix socket here');
      return;
    }
    try {
      const entry = (await walk(root)).find((e) => e.path === 's.sock');
      assert.equal(entry?.type, 'other');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('errors', () => {
  it('fails with CONTEXT for a missing context directory', async () => {
    await assert.rejects(walk(path.join(tmp, 'nope')), (e: unknown) => e instanceof BerthError && e.code === 'CONTEXT');
  });

  it('fails with CONTEXT when the context is a file', async () => {
    const root = await makeTree(['f']);
    await assert.rejects(walk(path.join(root, 'f')), (e: unknown) => e instanceof BerthError && e.code === 'CONTEXT' && /not a directory/.test(e.message));
  });

  it('stops when aborted', async () => {
    const root = await makeTree(['a/b']);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(walkContext(root, parseDockerignore(''), { signal: controller.signal }));
  });
});

describe('file names', () => {
  it('fails on an included name that is not valid UTF-8, but not on an excluded one', async (t) => {
    const root = await makeTree(['ok']);
    const bad = Buffer.concat([Buffer.from(root + '/bad-'), Buffer.from([0xff]), Buffer.from('.bin')]);
    try {
      await writeFile(bad, 'x');
    } catch {
      t.skip('the file system rejects non-UTF-8 names');
      return;
    }
    await assert.rejects(walk(root), (e: unknown) => e instanceof BerthError && e.code === 'CONTEXT' && /not valid UTF-8/.test(e.message));
    assert.deepEqual(paths(await walk(root, 'bad-*')), ['ok']);
  });
});

describe('concurrency', () => {
  it('gives the same listing with one call in flight as with many', async () => {
    const root = await makeTree(['a/b/c', 'a/d', 'e/f/g/h', 'i', 'j/']);
    const rules = parseDockerignore('e\n!e/f/g');
    const one = await walkContext(root, rules, { concurrency: 1 });
    const many = await walkContext(root, rules, { concurrency: 64 });
    assert.deepEqual(one, many);
    assert.deepEqual(paths(one), ['a', 'a/b', 'a/b/c', 'a/d', 'e', 'e/f', 'e/f/g', 'e/f/g/h', 'i', 'j']);
  });
});

describe('a larger tree', () => {
  it('walks 10,000 files with pruning and bounded concurrency', async () => {
    const root = path.join(tmp, 'big');
    // Synchronous setup: much cheaper here than 10,000 concurrent promises.
    for (let d = 0; d < 100; d++) {
      const dir = path.join(root, 'src', `pkg${String(d).padStart(2, '0')}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 95; f++) closeSync(openSync(path.join(dir, `f${f}.${f % 5 === 0 ? 'log' : 'ts'}`), 'w'));
    }
    const nm = path.join(root, 'node_modules', 'dep');
    mkdirSync(nm, { recursive: true });
    for (let f = 0; f < 500; f++) closeSync(openSync(path.join(nm, `m${f}.js`), 'w'));
    const start = performance.now();
    const entries = await walkContext(root, parseDockerignore('node_modules\n**/*.log\n!src/pkg00/f0.log'), { concurrency: 16 });
    const ms = performance.now() - start;
    // 1 src + 100 dirs + 100 × 76 .ts files + 1 re-included log
    assert.equal(entries.length, 1 + 100 + 100 * 76 + 1);
    assert.ok(entries.some((e) => e.path === 'src/pkg00/f0.log'));
    assert.ok(!entries.some((e) => e.path.startsWith('node_modules')));
    assert.ok(ms < 30_000, `walk took ${ms.toFixed(0)} ms`);
  });
});
