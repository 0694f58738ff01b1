// Tests for .dockerignore reading, docker's pattern semantics, and ignore-file selection.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BerthError } from '../../src/util/errors.ts';
import { compilePattern, parseDockerignore, PatternMatcher, readIgnoreEntries, readIgnoreFile } from '../../src/context/index.ts';
import { loadReadmeExamples, README_URL } from './conformance-readme.ts';

const readme = await loadReadmeExamples();
const noReadme = readme === undefined ? `conformance README not found at ${README_URL.pathname}` : false;

/** Is `path` excluded by the given .dockerignore lines? */
const excluded = (lines: readonly string[], path: string): boolean =>
  parseDockerignore(lines.join('\n')).matcher.matchesOrParentMatches(path);

const patternsOf = (text: string): string[] => readIgnoreEntries(text).map((e) => e.pattern);

describe('conformance README examples', () => {
  it('reads every example table', { skip: noReadme }, () => {
    assert.ok((readme?.matching.length ?? 0) >= 30, 'expected the README tables to yield at least 30 rows');
    assert.ok((readme?.cleaning.length ?? 0) >= 4);
    assert.ok((readme?.invalid.length ?? 0) >= 2);
  });

  it('cleans lines as section 1 shows', { skip: noReadme }, () => {
    for (const { input, expected } of readme?.cleaning ?? []) {
      assert.deepEqual(patternsOf(input), [expected], `line ${JSON.stringify(input)}`);
    }
  });

  it('rejects the patterns section 1 says fail the build', { skip: noReadme }, () => {
    for (const pattern of readme?.invalid ?? []) {
      assert.throws(() => parseDockerignore(pattern), BerthError, `pattern ${JSON.stringify(pattern)}`);
    }
  });

  it('matches every row of the matching tables', { skip: noReadme }, () => {
    for (const ex of readme?.matching ?? []) {
      assert.equal(excluded(ex.patterns, ex.path), ex.excluded, `${JSON.stringify(ex.patterns)} vs ${ex.path} (row: ${ex.row})`);
    }
  });
});

describe('reading the file (ignorefile.ReadAll rules)', () => {
  const cases: [string, string, string[]][] = [
    ['UTF-8 BOM on the first line', '\uFEFFfoo\nbar', ['foo', 'bar']],
    ['a BOM on a later line is kept', 'foo\n\uFEFFbar', ['foo', '\uFEFFbar']],
    ['# comments are dropped', '# comment\nfoo\n#bar', ['foo']],
    ['# after leading space is a pattern', ' # x', ['# x']],
    ['blank and whitespace-only lines', '\n   \n\t\nfoo\n', ['foo']],
    ['CRLF line endings', 'foo\r\nbar\r\n', ['foo', 'bar']],
    ['trailing spaces trimmed', 'foo   \t', ['foo']],
    ['Go TrimSpace set (NBSP, NEL) trimmed', '\u00a0foo\u0085', ['foo']],
    ['U+FEFF is not whitespace for Go', 'a\n\uFEFF', ['a', '\uFEFF']],
    ['clean: dot segments and double slashes', './a//b/./c/', ['a/b/c']],
    ['clean: parent segments resolved', 'a/b/../c', ['a/c']],
    ['clean: leading .. kept', '../x', ['../x']],
    ['leading / dropped once', '/foo', ['foo']],
    ['rooted .. collapses', '/../foo', ['foo']],
    ['lone / kept', '/', ['/']],
    ['. stays', '.', ['.']],
    ['! with spaces after it', '!  foo', ['!foo']],
    ['! with absolute path', '!/keep/me', ['!keep/me']],
    ['lone ! kept for the compiler to reject', '!', ['!']],
    ['! followed only by spaces', '!   ', ['!']],
    ['backslashes are not separators', 'a\\b', ['a\\b']],
    ['escaped ! and #', '\\!bang\n\\#hash', ['\\!bang', '\\#hash']],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(patternsOf(text), expected));
  }

  it('records 1-based line numbers of kept patterns', () => {
    const entries = readIgnoreEntries('# c\n\nfoo\n  \n!bar\n');
    assert.deepEqual(entries, [
      { pattern: 'foo', line: 3 },
      { pattern: '!bar', line: 5 },
    ]);
  });

  it('rejects a line over docker’s 64 KiB scanner limit', () => {
    assert.throws(() => readIgnoreEntries('ok\n' + 'x'.repeat(65536)), /:2: line is too long/);
    assert.deepEqual(patternsOf('x'.repeat(65535)), ['x'.repeat(65535)]);
  });
});

describe('single-pattern semantics', () => {
  // pattern, path, excluded?
  const cases: [string, string, boolean][] = [
    ['build', 'build', true],
    ['build', 'build/out.o', true],
    ['build', 'src/build', false],
    ['build', 'buildx', false],
    ['*.log', 'app.log', true],
    ['*.log', 'logs/app.log', false],
    ['*/temp*', 'x/temp/y', true],
    ['*/temp*', 'x/y/temp', false],
    ['src/**/test', 'src/test', true],
    ['src/**/test', 'src/a/b/test', true],
    ['src/**/test', 'src/a/b/test2', false],
    ['cache/**', 'cache/x/y', true],
    ['cache/**', 'cache', false],
    ['cache**', 'cachefoo', true],
    ['**/foo', 'foo', true],
    ['**/foo', 'a/b/foo', true],
    ['**/foo', 'a/barfoo', false],
    ['**foo', 'barfoo', true],
    ['**', 'anything/at/all', true],
    ['**/*.log', 'app.log', true],
    ['**/*.log', 'a/b/app.log', true],
    ['a**b', 'ab', true],
    ['a**b', 'ax/b', true],
    ['a**b', 'axb', false],
    ['a**/*.txt', 'a/f.txt', true],
    ['a**/*.txt', 'afile.txt', true],
    ['**/node_modules', 'web/my_node_modules', false],
    ['doc?.md', 'doc1.md', true],
    ['doc?.md', 'doc/.md', false],
    ['doc?.md', 'doc12.md', false],
    ['file[0-9].txt', 'file7.txt', true],
    ['file[0-9].txt', 'filea.txt', false],
    ['tmp[^a]', 'tmpb', true],
    ['tmp[^a]', 'tmpa', false],
    ['tmp[!a]', 'tmp!', true], // `!` is not negation
    ['tmp[!a]', 'tmpa', true],
    ['tmp[!a]', 'tmpb', false],
    ['[a-c]x', 'bx', true],
    ['[\\]]x', ']x', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['\\!bang', '!bang', true],
    ['\\#hash', '#hash', true],
    ['foo/', 'foo', true],
    ['README.md', 'readme.md', false],
    ['v1.2+b', 'v1.2+b', true],
    ['v1.2+b', 'v1x2+b', false],
    ['a.b*', 'axb', false], // `.` is escaped in regexps too
    ['a+(b)*', 'a+(b)c', true],
    ['a+(b)*', 'aab', false],
    ['x$*', 'x$y', true],
    ['é*', 'éa', true],
    ['?', 'é', true], // ? is one character, not one byte
    ['*', 'a/b', true], // via the ancestor `a`
    ['.', 'a', false],
    ['/', 'a', false],
    ['../x', 'x', false],
  ];
  for (const [pattern, path, want] of cases) {
    it(`${pattern} ${want ? 'excludes' : 'keeps'} ${path}`, () => assert.equal(excluded([pattern], path), want));
  }
});

describe('docker quirks kept on purpose (checked against the Go library)', () => {
  // Upstream's escape table loses characters ≥ 64, so `| { }` reach Go's regexp unescaped.
  const cases: [string, string, boolean][] = [
    ['a|b', 'a|b', true], // exact match: no regexp involved
    ['a|b*', 'a', true], // regexp ^a|b[^/]*$: alternation
    ['a|b*', 'xyz', false],
    ['a|b*', 'b', true],
    ['x{2}*', 'xx', true], // counted repetition
    ['x{2}*', 'x{2}', false],
    ['a^b', 'a^b', true], // exact match
    ['a^b*', 'a^b', false], // in a regexp ^ is a start anchor
    ['[*]', ']', true], // [*] becomes [[^/]*], a class followed by `]`
    ['[*]', '*', false],
    ['a\\d', 'a1', true], // \d reaches Go's regexp as a digit class
    ['a\\d', 'ad', false],
    ['\\Qa.b', 'a.b', false], // \Q quotes the rest, including the final $
  ];
  for (const [pattern, path, want] of cases) {
    it(`${pattern} ${want ? 'excludes' : 'keeps'} ${path}`, () => assert.equal(excluded([pattern], path), want));
  }

  it('`!../../x` cleans to the plain pattern `x` once the ! is part of the path', () => {
    assert.equal(excluded(['!../../x'], 'x'), true);
  });

  it('`!/` becomes a lone `!`', () => {
    assert.throws(() => parseDockerignore('!/'), /illegal exclusion pattern/);
  });

  it('classifies patterns as docker does', () => {
    const kind = (p: string): string | undefined => compilePattern(p)?.kind;
    assert.equal(kind('a/b.c'), 'exact');
    assert.equal(kind('a/**'), 'prefix');
    assert.equal(kind('**/a.b'), 'suffix');
    assert.equal(kind('**/*.go'), 'regexp');
    assert.equal(compilePattern('**/*.go')?.regexp, '^(.*/)?[^/]*\\.go$');
    assert.equal(compilePattern('   '), undefined);
  });
});

describe('exceptions and order (last match wins)', () => {
  // lines, path, excluded?
  const cases: [string[], string, boolean][] = [
    [['*.md', '!README.md'], 'README.md', false],
    [['*.md', '!README.md'], 'CHANGES.md', true],
    [['!README.md', '*.md'], 'README.md', true],
    [['docs', '!docs/keep.txt'], 'docs/keep.txt', false],
    [['docs', '!docs/keep.txt'], 'docs/other.txt', true],
    [['docs', '!docs/keep.txt'], 'docs', true],
    [['docs', '!docs/keep', 'docs/keep/secret'], 'docs/keep/a', false],
    [['docs', '!docs/keep', 'docs/keep/secret'], 'docs/keep/secret/x', true],
    [['*', '!src'], 'src/a/b.ts', false],
    [['*', '!src'], 'lib/a.ts', true],
    [['**', '!**/*.go'], 'pkg/x.go', false],
    [['**', '!**/*.go'], 'pkg', true],
    [['**', '!*.go'], 'pkg/x.go', true],
    [['a', '!a/b', 'a'], 'a/b', true], // a later exclusion of the ancestor wins again
    [['!a', 'a/b'], 'a/b/c', true],
    [['a/b', '!a'], 'a/b/c', false], // the exception matches the ancestor `a`, and comes later
    [['!x'], 'x', false],
  ];
  for (const [lines, path, want] of cases) {
    it(`${JSON.stringify(lines)} ${want ? 'excludes' : 'keeps'} ${path}`, () => {
      const { matcher } = parseDockerignore(lines.join('\n'));
      assert.equal(matcher.matchesOrParentMatches(path), want);
      assert.equal(matcher.matchState(path).excluded, want, 'matchState agrees');
    });
  }

  it('matches() ignores ancestors', () => {
    const { matcher } = parseDockerignore('build\n!build/keep');
    assert.equal(matcher.matches('build'), true);
    assert.equal(matcher.matches('build/x'), false);
    assert.equal(matcher.matchesOrParentMatches('build/x'), true);
    assert.equal(matcher.matches('build/keep'), false);
  });
});

describe('invalid patterns', () => {
  const cases: [string, string, number, RegExp][] = [
    ['unterminated class', 'ok\n[a-', 2, /\.dockerignore:2: invalid pattern "\[a-"/],
    ['lone !', '# c\n\n!', 3, /:3: invalid pattern "!": illegal exclusion pattern/],
    ['! then spaces', 'a\n!   ', 2, /:2: .*illegal exclusion pattern/],
    ['unclosed class after text', 'foo[', 1, /syntax error in pattern/],
    ['class with no members', 'a[]b', 1, /syntax error in pattern/],
    ['trailing backslash', 'foo\\', 1, /trailing backslash/],
    ['bad class after a star (current Go checks every chunk)', 'a*[', 1, /syntax error/],
    ['reversed range (Go regexp error)', '[z-a]', 1, /syntax error in pattern/],
    ['unknown escape (Go regexp error)', 'a\\q', 1, /invalid escape/],
    ['unknown POSIX class', '[[:nope:]]', 1, /syntax error/],
  ];
  for (const [name, text, line, message] of cases) {
    it(name, () => {
      assert.throws(
        () => parseDockerignore(text, '/ctx/.dockerignore'),
        (e: unknown) => {
          assert.ok(e instanceof BerthError);
          assert.equal(e.code, 'DOCKERIGNORE');
          assert.equal(e.file, '/ctx/.dockerignore');
          assert.equal(e.range?.start.line, line);
          assert.match(e.message, /^\/ctx\/\.dockerignore:\d+: /);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  it('reports the range of the pattern on its line', () => {
    try {
      parseDockerignore('ok\n   [a-   \n');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof BerthError);
      assert.deepEqual(e.range, { start: { line: 2, column: 4 }, end: { line: 2, column: 7 } });
      assert.equal(e.excerpt, '   [a-   ');
      assert.match(e.message, /^\.dockerignore:2:/);
    }
  });

  it('PatternMatcher.compile names the bad pattern', () => {
    assert.throws(() => PatternMatcher.compile(['ok', 'x[']), /invalid pattern "x\["/);
  });
});

describe('performance', () => {
  it('stays linear on stacked ** and stars', () => {
    const { matcher } = parseDockerignore('**/**/**/**/**/**/**/**/a\n*a*a*a*a*a*a*a*a*a*b\na**b**c**d**e**f**g**z');
    const deep = Array.from({ length: 60 }, () => 'aaaaaaaaaa').join('/') + 'c';
    const start = performance.now();
    for (let i = 0; i < 20; i++) assert.equal(matcher.matchesOrParentMatches(deep), false);
    assert.ok(performance.now() - start < 5000, 'matching took too long');
  });
});

describe('pruning (mayIncludeBelow) agrees with matching every path', () => {
  // Over a small virtual tree, an excluded directory must be entered whenever something below it is included.
  const names = ['a', 'b', 'x.go', 'keep', 'docs'];
  const tree: string[] = [];
  const grow = (prefix: string, depth: number): void => {
    for (const n of names) {
      const p = prefix === '' ? n : `${prefix}/${n}`;
      tree.push(p);
      if (depth < 3) grow(p, depth + 1);
    }
  };
  grow('', 1);
  const ruleSets = [
    ['docs', '!docs/keep'],
    ['**', '!**/*.go'],
    ['*', '!a/b'],
    ['a', '!a/**/x.go'],
    ['a', '!**/keep/b'],
    ['**', '!keep', 'keep/b', '!keep/b/a'],
    ['a/b', '!a'],
    ['*', '!*/*/x.go'],
    ['b', '!b/[a-c]'],
    ['docs', '!docs/?'],
    ['a', '!a*'],
    ['a', '!a/b**'],
    ['a', '!**x.go'],
    ['*', '!a|b/x.go*'],
  ];
  for (const rules of ruleSets) {
    it(JSON.stringify(rules), () => {
      const { matcher } = parseDockerignore(rules.join('\n'));
      for (const dir of tree) {
        const state = matcher.matchState(dir);
        if (!state.excluded || matcher.mayIncludeBelow(dir, state)) continue;
        const leak = tree.find((p) => p.startsWith(dir + '/') && !matcher.matchesOrParentMatches(p));
        assert.equal(leak, undefined, `${dir} would be pruned but ${leak} is included`);
      }
    });
  }

  it('prunes where nothing can come back', () => {
    const { matcher } = parseDockerignore('node_modules\ndocs\n!docs/keep.txt\n!src/*.ts');
    assert.equal(matcher.mayIncludeBelow('node_modules'), false);
    assert.equal(matcher.mayIncludeBelow('docs'), true);
    const { matcher: wild } = parseDockerignore('**\n!**/*.go');
    assert.equal(wild.mayIncludeBelow('pkg'), true);
  });
});

describe('agreement with the Go library (recorded vectors)', () => {
  it('matches every recorded case', async () => {
    const fixture = JSON.parse(await readFile(new URL('./fixtures/dockerignore-oracle.json', import.meta.url), 'utf8')) as {
      cases: { ignore: string; error?: boolean; patterns?: string[]; excluded?: Record<string, boolean> }[];
    };
    assert.ok(fixture.cases.length > 500);
    for (const c of fixture.cases) {
      if (c.error === true) {
        assert.throws(() => parseDockerignore(c.ignore), BerthError, `expected an error for ${JSON.stringify(c.ignore)}`);
        continue;
      }
      const rules = parseDockerignore(c.ignore);
      assert.deepEqual(rules.entries.map((e) => e.pattern), c.patterns, `patterns of ${JSON.stringify(c.ignore)}`);
      for (const [p, want] of Object.entries(c.excluded ?? {})) {
        assert.equal(rules.matcher.matchesOrParentMatches(p), want, `${JSON.stringify(c.ignore)} vs ${JSON.stringify(p)}`);
      }
    }
  });
});

describe('readIgnoreFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-ignore-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fresh = async (name: string): Promise<string> => {
    const d = path.join(dir, name);
    await mkdir(d, { recursive: true });
    return d;
  };

  it('finds no file', async () => {
    const ctx = await fresh('none');
    const got = await readIgnoreFile(ctx);
    assert.equal(got.source, 'none');
    assert.equal(got.path, undefined);
    assert.equal(got.rules.matcher.matchesOrParentMatches('anything'), false);
  });

  it('reads <context>/.dockerignore', async () => {
    const ctx = await fresh('root');
    await writeFile(path.join(ctx, '.dockerignore'), 'secret\n');
    const got = await readIgnoreFile(ctx);
    assert.equal(got.source, 'context');
    assert.equal(got.path, path.join(ctx, '.dockerignore'));
    assert.equal(got.rules.file, got.path);
    assert.equal(got.rules.matcher.matchesOrParentMatches('secret'), true);
  });

  it('prefers <Dockerfile>.dockerignore next to the Dockerfile, without merging', async () => {
    const ctx = await fresh('specific');
    await mkdir(path.join(ctx, 'build'));
    await writeFile(path.join(ctx, '.dockerignore'), 'from-root\n');
    await writeFile(path.join(ctx, 'build', 'app.Dockerfile'), 'FROM scratch\n');
    await writeFile(path.join(ctx, 'build', 'app.Dockerfile.dockerignore'), 'from-specific\n');
    const got = await readIgnoreFile(ctx, path.join(ctx, 'build', 'app.Dockerfile'));
    assert.equal(got.source, 'dockerfile');
    assert.equal(got.path, path.join(ctx, 'build', 'app.Dockerfile.dockerignore'));
    assert.equal(got.rules.matcher.matchesOrParentMatches('from-specific'), true);
    assert.equal(got.rules.matcher.matchesOrParentMatches('from-root'), false);
  });

  it('uses Dockerfile.dockerignore for the default Dockerfile', async () => {
    const ctx = await fresh('default');
    await writeFile(path.join(ctx, '.dockerignore'), 'from-root\n');
    await writeFile(path.join(ctx, 'Dockerfile.dockerignore'), 'from-specific\n');
    const got = await readIgnoreFile(ctx);
    assert.equal(got.source, 'dockerfile');
    assert.equal(got.rules.matcher.matchesOrParentMatches('from-specific'), true);
  });

  it('falls back to the context file when the Dockerfile has none', async () => {
    const ctx = await fresh('fallback');
    await writeFile(path.join(ctx, '.dockerignore'), 'from-root\n');
    const got = await readIgnoreFile(ctx, path.join(ctx, 'other.Dockerfile'));
    assert.equal(got.source, 'context');
  });

  it('reports parse errors with the ignore file path and line', async () => {
    const ctx = await fresh('broken');
    await writeFile(path.join(ctx, '.dockerignore'), 'ok\n\n[a-\n');
    await assert.rejects(readIgnoreFile(ctx), (e: unknown) => {
      assert.ok(e instanceof BerthError);
      assert.equal(e.code, 'DOCKERIGNORE');
      assert.equal(e.file, path.join(ctx, '.dockerignore'));
      assert.equal(e.range?.start.line, 3);
      assert.ok(e.message.startsWith(`${path.join(ctx, '.dockerignore')}:3: invalid pattern "[a-"`), e.message);
      return true;
    });
  });

  it('fails clearly when the ignore path is a directory', async () => {
    const ctx = await fresh('dir-ignore');
    await mkdir(path.join(ctx, '.dockerignore'));
    await assert.rejects(readIgnoreFile(ctx), (e: unknown) => e instanceof BerthError && e.code === 'CONTEXT');
  });
});
