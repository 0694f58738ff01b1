// COPY/ADD file semantics on real temp dirs (run as root): one case per Docker/BuildKit rule.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { chown, chmod, link, lutimes, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyFiles, goMatch, type CopyOptions, type CopySource } from '../../src/build/copy/index.ts';
import { emptyIgnoreRules, walkContext } from '../../src/context/index.ts';
import { packTar } from '../../src/layer/index.ts';
import { isBerthError } from '../../src/util/errors.ts';

/** A tree to build: a string is a file's content; otherwise a file, dir, symlink or hardlink with metadata. */
type Node =
  | string
  | { file: string; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { dir: true; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { symlink: string }
  | { hardlink: string };
type Spec = Record<string, Node>;

let base: string;
let counter = 0;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'berth-copy-'));
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

async function makeTree(spec: Spec): Promise<string> {
  const root = join(base, `t${counter++}`);
  await mkdir(root);
  const dirs: [string, Extract<Node, { dir: true }>][] = [];
  for (const [path, node] of Object.entries(spec)) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    if (typeof node === 'string' || 'file' in node) {
      const n = typeof node === 'string' ? { file: node } : node;
      await writeFile(abs, n.file);
      await chown(abs, n.uid ?? 0, n.gid ?? 0);
      await chmod(abs, n.mode ?? 0o644);
      if (n.mtime !== undefined) await utimes(abs, n.mtime, n.mtime);
    } else if ('dir' in node) {
      await mkdir(abs, { recursive: true });
      dirs.push([abs, node]);
    } else if ('symlink' in node) {
      await symlink(node.symlink, abs);
      await lutimes(abs, 1_000_000, 1_000_000);
    } else {
      await link(join(root, node.hardlink), abs);
    }
  }
  for (const [abs, n] of dirs.reverse()) {
    await chown(abs, n.uid ?? 0, n.gid ?? 0);
    await chmod(abs, n.mode ?? 0o755);
    if (n.mtime !== undefined) await utimes(abs, n.mtime, n.mtime);
  }
  return root;
}

async function context(spec: Spec): Promise<CopySource> {
  const dir = await makeTree(spec);
  return { kind: 'context', dir, entries: await walkContext(dir, emptyIgnoreRules()) };
}

interface Run {
  dest: string;
  written: string[];
}

/** Copies into a fresh destRoot (optionally pre-populated). */
async function copy(source: CopySource, sources: string[], dest: string, extra: Partial<CopyOptions> = {}, destSpec: Spec = {}): Promise<Run> {
  const destRoot = await makeTree(destSpec);
  const result = await copyFiles({ source, sources, dest, workdir: '/', destRoot, ...extra });
  return { dest: destRoot, written: result.written };
}

async function fails(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isBerthError(e), `not a BerthError: ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

const read = (root: string, p: string): string => readFileSync(join(root, p), 'utf8');
const mode = (root: string, p: string): number => lstatSync(join(root, p)).mode & 0o7777;
const owner = (root: string, p: string): string => {
  const st = lstatSync(join(root, p));
  return `${st.uid}:${st.gid}`;
};

const CTX: Spec = {
  'a.txt': 'A',
  'b.txt': 'B',
  'c.md': 'C',
  'dir/f': 'F',
  'dir/sub/g': 'G',
  'dir/sub/h.md': 'H',
  'home.txt': 'home',
  'homer.bin': 'homer',
};

describe('goMatch (Go filepath.Match tests)', () => {
  // pattern | name | match, from Go's path/filepath match_test.go (malformed patterns match nothing).
  const table = `abc|abc|1 *|abc|1 *c|abc|1 a*|a|1 a*|abc|1 a*|ab/c|0 a*/b|abc/b|1 a*/b|a/c/b|0
    a*b*c*d*e*/f|axbxcxdxe/f|1 a*b*c*d*e*/f|axbxcxdxexxx/f|1 a*b*c*d*e*/f|axbxcxdxe/xxx/f|0 a*b*c*d*e*/f|axbxcxdxexxx/fff|0
    a*b?c*x|abxbbxdbxebxczzx|1 a*b?c*x|abxbbxdbxebxczzy|0 ab[c]|abc|1 ab[b-d]|abc|1 ab[e-g]|abc|0 ab[^c]|abc|0
    ab[^b-d]|abc|0 ab[^e-g]|abc|1 a\\*b|a*b|1 a\\*b|ab|0 a?b|a☺b|1 a[^a]b|a☺b|1 a???b|a☺b|0 a[^a][^a][^a]b|a☺b|0
    [a-ζ]*|α|1 *[a-ζ]|A|0 a?b|a/b|0 a*b|a/b|0 [\\]a]|]|1 [\\-]|-|1 [x\\-]|x|1 [x\\-]|-|1 [x\\-]|z|0 [\\-x]|x|1
    [\\-x]|-|1 [\\-x]|a|0 []a]|]|0 [-]|-|0 [x-]|x|0 [x-]|-|0 [-x]|x|0 \\|a|0 [a-b-c]|a|0 [|a|0 [^|a|0 [^bc|a|0
    a[|a|0 a[|ab|0 *x|xxx|1`;
  for (const row of table.split(/\s+/).filter(Boolean)) {
    const [pattern, name, want] = row.split('|') as [string, string, string];
    it(`${pattern} ~ ${name}`, () => assert.equal(goMatch(pattern, name), want === '1'));
  }
});

describe('copyFiles: selecting sources', () => {
  const cases: { name: string; sources: string[]; dest: string; files: Record<string, string>; absent?: string[]; extra?: Partial<CopyOptions> }[] = [
    { name: 'single file to a file path', sources: ['a.txt'], dest: '/b.txt', files: { 'b.txt': 'A' } },
    { name: 'file into dir/', sources: ['a.txt'], dest: '/d/', files: { 'd/a.txt': 'A' } },
    { name: 'directory copies its contents', sources: ['dir'], dest: '/x', files: { 'x/f': 'F', 'x/sub/g': 'G' }, absent: ['x/dir'] },
    { name: 'trailing slash on the source is ignored', sources: ['dir/'], dest: '/x/', files: { 'x/f': 'F' } },
    { name: 'absolute source is context-relative', sources: ['/a.txt'], dest: '/o/', files: { 'o/a.txt': 'A' } },
    { name: 'wildcard *.txt', sources: ['*.txt'], dest: '/w/', files: { 'w/a.txt': 'A', 'w/b.txt': 'B', 'w/home.txt': 'home' }, absent: ['w/c.md'] },
    { name: 'wildcard dir/* flattens matched dirs', sources: ['dir/*'], dest: '/w/', files: { 'w/f': 'F', 'w/g': 'G', 'w/h.md': 'H' }, absent: ['w/sub'] },
    { name: 'wildcard class [ab].txt', sources: ['[ab].txt'], dest: '/w/', files: { 'w/a.txt': 'A', 'w/b.txt': 'B' }, absent: ['w/home.txt'] },
    { name: 'wildcard ? and escaped class', sources: ['?.txt', 'dir/su[a-c]/g'], dest: '/w/', files: { 'w/a.txt': 'A', 'w/g': 'G' } },
    { name: 'an unmatched wildcard next to a match is fine', sources: ['a.txt', 'nothing*'], dest: '/one.txt', files: { 'one.txt': 'A' } },
    { name: 'dest relative to workdir', sources: ['a.txt'], dest: 'rel/', files: { 'app/rel/a.txt': 'A' }, extra: { workdir: '/app' } },
    { name: 'dest . is the workdir', sources: ['a.txt', 'b.txt'], dest: '.', files: { 'app/a.txt': 'A', 'app/b.txt': 'B' }, extra: { workdir: '/app' } },
    {
      name: '--exclude inside directories and on top-level matches',
      sources: ['dir', 'hom*'],
      dest: '/e/',
      files: { 'e/f': 'F', 'e/sub/g': 'G', 'e/homer.bin': 'homer' },
      absent: ['e/sub/h.md', 'e/home.txt'],
      extra: { excludes: ['*.md', '**/*.md', '*.txt'] },
    },
    {
      name: '--exclude a directory',
      sources: ['dir'],
      dest: '/e/',
      files: { 'e/f': 'F' },
      absent: ['e/sub'],
      extra: { excludes: ['sub'] },
    },
    {
      name: '--exclude with a ! exception re-includes',
      sources: ['dir'],
      dest: '/e/',
      files: { 'e/sub/g': 'G' },
      absent: ['e/f', 'e/sub/h.md'],
      extra: { excludes: ['*', '!sub/g'] },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { dest } = await copy(await context(CTX), c.sources, c.dest, c.extra);
      for (const [p, content] of Object.entries(c.files)) assert.equal(read(dest, p), content, p);
      for (const p of c.absent ?? []) assert.ok(!existsSync(join(dest, p)), `${p} should not exist`);
    });
  }

  it('refuses several sources without a trailing slash (docker)', async () => {
    await fails(copy(await context(CTX), ['a.txt', 'b.txt'], '/d'), /When using COPY with more than one source file, the destination must be a directory and end with a \//);
    await fails(copy(await context(CTX), ['*.txt'], '/d', { add: { extractArchives: true } }), /When using ADD with more than one source/);
  });

  it('names a missing source', async () => {
    await fails(copy(await context(CTX), ['a.txt', 'missing.txt'], '/d/'), /"\/missing\.txt": not found/);
  });

  it('fails when nothing at all matches', async () => {
    await fails(copy(await context(CTX), ['*.nope'], '/d/'), /no source files were specified.*\*\.nope/);
  });

  it('refuses a source outside the context', async () => {
    await fails(copy(await context(CTX), ['../x'], '/'), /forbidden path outside the build context: \.\.\/x/);
    await fails(copy(await context(CTX), ['dir/../../x'], '/'), /forbidden path outside the build context/);
  });

  it('sees only the walked (dockerignore-filtered) context entries', async () => {
    const source = (await context(CTX)) as Extract<CopySource, { kind: 'context' }>;
    const filtered: CopySource = { ...source, entries: source.entries.filter((e) => e.path !== 'a.txt') };
    await fails(copy(filtered, ['a.txt'], '/'), /"\/a\.txt": not found/);
    const { dest } = await copy(filtered, ['*.txt'], '/w/');
    assert.ok(!existsSync(join(dest, 'w/a.txt')));
  });

  it('--parents keeps directories from the root or the /./ pivot', async () => {
    const source = await context({ 'x/a.txt': 'xa', 'y/a.txt': 'ya', 'x/y/b.txt': 'b', 'x/y/c.md': 'c', 'src/a.txt': '1', 'src/x/b.txt': '2', 'src/x/y/c.txt': '3', 'src/x/d.md': '4' });
    let { dest } = await copy(source, ['./x/a.txt', 'y/a.txt'], '/p/', { parents: true });
    assert.equal(read(dest, 'p/x/a.txt'), 'xa');
    assert.equal(read(dest, 'p/y/a.txt'), 'ya');
    ({ dest } = await copy(source, ['./x/./y/*.txt'], '/p/', { parents: true }));
    assert.equal(read(dest, 'p/y/b.txt'), 'b');
    assert.ok(!existsSync(join(dest, 'p/y/c.md')) && !existsSync(join(dest, 'p/x')));
    ({ dest } = await copy(source, ['./src/**/*.txt'], '/p/', { parents: true }));
    assert.deepEqual([read(dest, 'p/src/a.txt'), read(dest, 'p/src/x/b.txt'), read(dest, 'p/src/x/y/c.txt')], ['1', '2', '3']);
    assert.ok(!existsSync(join(dest, 'p/src/x/d.md')));
    await fails(copy(source, ['x/missing.txt'], '/p/', { parents: true }), /"\/x\/missing\.txt": not found/);
  });
});

describe('copyFiles: destination', () => {
  it('resolves an absolute symlink in the dest inside destRoot', async () => {
    const outside = await makeTree({});
    const { dest } = await copy(await context(CTX), ['a.txt'], '/usr/lib/', {}, { 'lib/keep': 'k', usr: { dir: true }, 'usr/lib': { symlink: '/lib' }, esc: { symlink: outside } });
    assert.equal(read(dest, 'lib/a.txt'), 'A');
    assert.ok(lstatSync(join(dest, 'usr/lib')).isSymbolicLink());
    assert.ok(!existsSync('/lib/a.txt'));
    const r2 = await copy(await context(CTX), ['a.txt'], '/esc/', {}, { esc: { symlink: outside }, up: { symlink: '../../../../..' + outside } });
    assert.equal(read(r2.dest, outside.slice(1) + '/a.txt'), 'A');
    assert.ok(!existsSync(join(outside, 'a.txt')), 'nothing written outside destRoot');
    const r3 = await copy(await context(CTX), ['b.txt'], '/up/x/', {}, { up: { symlink: '../../../../..' + outside } });
    assert.equal(read(r3.dest, outside.slice(1) + '/x/b.txt'), 'B');
    assert.ok(!existsSync(join(outside, 'x')));
  });

  it('replaces an existing file, merges into an existing directory, refuses a file over a directory', async () => {
    const source = await context(CTX);
    const { dest } = await copy(source, ['dir'], '/t/', {}, { 't/old': 'old', 't/f': 'stale', 'z/a.txt': { dir: true } });
    assert.equal(read(dest, 't/old'), 'old');
    assert.equal(read(dest, 't/f'), 'F');
    await fails(copyFiles({ source, sources: ['a.txt'], dest: '/z/', workdir: '/', destRoot: dest }), /cannot replace to directory \/z\/a\.txt with file/);
    await fails(copyFiles({ source, sources: ['dir'], dest: '/t/f', workdir: '/', destRoot: dest }), /cannot copy to non-directory: \/t\/f/);
  });

  it('does not write through a symlink inside a copied directory target', async () => {
    const outside = await makeTree({});
    const { dest } = await copy(await context(CTX), ['a.txt'], '/', {}, {});
    await symlink(outside, join(dest, 'sub'));
    await fails(copyFiles({ source: await context({ 'sub/x': 'x' }), sources: ['.'], dest: '/', workdir: '/', destRoot: dest }), /cannot copy to non-directory: \/sub/);
    await symlink(join(outside, 'victim'), join(dest, 'victim'));
    await copyFiles({ source: await context({ victim: 'v' }), sources: ['.'], dest: '/', workdir: '/', destRoot: dest });
    assert.ok(!existsSync(join(outside, 'victim')));
    assert.equal(read(dest, 'victim'), 'v');
  });
});

describe('copyFiles: metadata', () => {
  it('--chown owns files and created parents, not existing ones', async () => {
    const { dest } = await copy(await context(CTX), ['dir'], '/opt/new/x', { chown: { uid: 1000, gid: 1001 } }, { opt: { dir: true, uid: 7, gid: 7 } });
    for (const p of ['opt/new', 'opt/new/x', 'opt/new/x/f', 'opt/new/x/sub', 'opt/new/x/sub/g']) assert.equal(owner(dest, p), '1000:1001', p);
    assert.equal(owner(dest, 'opt'), '7:7');
    assert.equal(mode(dest, 'opt/new'), 0o755);
  });

  it('context ownership is not kept; stage-dir ownership is, unless --chown', async () => {
    const ctx = await context({ 'o.txt': { file: 'o', uid: 1234, gid: 4321 } });
    assert.equal(owner((await copy(ctx, ['o.txt'], '/')).dest, 'o.txt'), '0:0');
    const stage: CopySource = { kind: 'dir', dir: await makeTree({ 'etc/app': { dir: true, uid: 55, gid: 56 }, 'etc/app/conf': { file: 'c', uid: 1234, gid: 4321 } }) };
    const { dest } = await copy(stage, ['/etc/app'], '/cfg');
    assert.equal(owner(dest, 'cfg/conf'), '1234:4321');
    assert.equal(owner((await copy(stage, ['/etc/app/conf'], '/c', { chown: { uid: 1, gid: 2 } })).dest, 'c'), '1:2');
    const nested = await copy(stage, ['/etc'], '/e/');
    assert.equal(owner(nested.dest, 'e/app'), '55:56');
  });

  it('keeps modes including setuid, and mtimes', async () => {
    const ctx = await context({ 'bin/su': { file: 's', mode: 0o4755, mtime: 1_500_000_000 }, 'bin/ro': { file: 'r', mode: 0o400 }, bin: { dir: true, mode: 0o711, mtime: 1_400_000_000 } });
    const { dest } = await copy(ctx, ['.'], '/');
    assert.equal(mode(dest, 'bin/su'), 0o4755);
    assert.equal(mode(dest, 'bin/ro'), 0o400);
    assert.equal(mode(dest, 'bin'), 0o711);
    assert.equal(statSync(join(dest, 'bin/su')).mtimeMs, 1_500_000_000_000);
    assert.equal(statSync(join(dest, 'bin')).mtimeMs, 1_400_000_000_000);
  });

  it('--chmod octal and symbolic apply to copied files and dirs', async () => {
    const ctx = await context({ 'd/x': { file: 'x', mode: 0o600 }, 'd/s': { file: 's', mode: 0o4755 }, 'd/e': { dir: true, mode: 0o700 } });
    let { dest } = await copy(ctx, ['d'], '/new/o', { chmod: '0640' });
    assert.deepEqual([mode(dest, 'new/o/x'), mode(dest, 'new/o/s'), mode(dest, 'new/o/e')], [0o640, 0o640, 0o640]);
    assert.equal(mode(dest, 'new'), 0o640, 'BuildKit creates missing parents with the octal --chmod');
    ({ dest } = await copy(ctx, ['d'], '/o', { chmod: '4750' }));
    assert.equal(mode(dest, 'o/x'), 0o4750);
    ({ dest } = await copy(ctx, ['d'], '/o', { chmod: 'go+rX,u-s' }));
    assert.deepEqual([mode(dest, 'o/x'), mode(dest, 'o/s'), mode(dest, 'o/e')], [0o644, 0o755, 0o755]);
    ({ dest } = await copy(ctx, ['d/x'], '/y', { chmod: 'a=r,u+w' }));
    assert.equal(mode(dest, 'y'), 0o644);
    await fails(copy(ctx, ['d/x'], '/y', { chmod: '8755' }), /invalid chmod parameter/);
    await fails(copy(ctx, ['d/x'], '/y', { chmod: 'u+q' }), /invalid chmod parameter/);
  });

  it('keeps file capabilities (xattrs) from a stage, after --chown', async () => {
    const dir = await makeTree({ 'bin/ping': { file: 'elf', mode: 0o755 } });
    execFileSync('setcap', ['cap_net_raw+ep', join(dir, 'bin/ping')]);
    const { dest } = await copy({ kind: 'dir', dir }, ['/bin/ping'], '/usr/bin/', { chown: { uid: 5, gid: 5 } });
    assert.match(execFileSync('getcap', [join(dest, 'usr/bin/ping')], { encoding: 'utf8' }), /cap_net_raw[=+]ep/);
  });

  it('keeps hardlinks within the copied set as hardlinks', async () => {
    const { dest } = await copy(await context({ 'h/a': 'same', 'h/b': { hardlink: 'h/a' }, 'h/c': 'other' }), ['h'], '/h');
    assert.equal(statSync(join(dest, 'h/a')).ino, statSync(join(dest, 'h/b')).ino);
    assert.notEqual(statSync(join(dest, 'h/a')).ino, statSync(join(dest, 'h/c')).ino);
  });
});

describe('copyFiles: symlinks', () => {
  const spec: Spec = {
    'real/file.txt': 'real',
    'real/inner': { symlink: '../outside-target' },
    'toplink': { symlink: 'real/file.txt' },
    'dirlink': { symlink: 'real' },
    'abs': { symlink: '/real/file.txt' },
    'up': { symlink: '../../../../real/file.txt' },
    'dangling': { symlink: 'nope' },
  };

  it('keeps nested symlinks as symlinks (never followed)', async () => {
    const { dest } = await copy(await context(spec), ['real'], '/r');
    assert.equal(readlinkSync(join(dest, 'r/inner')), '../outside-target');
  });

  it('follows a top-level symlink within the source, keeping the link name', async () => {
    const { dest } = await copy(await context(spec), ['toplink', 'dirlink'], '/s/');
    assert.ok(lstatSync(join(dest, 's/toplink')).isFile());
    assert.equal(read(dest, 's/toplink'), 'real');
    assert.equal(read(dest, 's/file.txt'), 'real', 'a linked directory copies its contents');
  });

  it('resolves links pointing outside the source as if it were /', async () => {
    const { dest } = await copy(await context(spec), ['abs', 'up'], '/s/');
    assert.equal(read(dest, 's/abs'), 'real');
    assert.equal(read(dest, 's/up'), 'real');
    await fails(copy(await context(spec), ['dangling'], '/s/'), /"\/dangling": not found/);
  });
});

describe('copyFiles: ADD archives', () => {
  let tars: CopySource;
  before(async () => {
    const dir = await makeTree({ 'content/top.txt': 'top', 'content/d/in.txt': 'in', 'content/d/.wh.hidden': 'not a whiteout', 'notar.tar.gz': 'just text, not gzip' });
    await chown(join(dir, 'content/d/in.txt'), 321, 654);
    await link(join(dir, 'content/top.txt'), join(dir, 'content/d/hl'));
    await symlink('/etc/passwd', join(dir, 'content/d/abs-link'));
    const tar = (flags: string, name: string): void => {
      execFileSync('tar', [flags, join(dir, name), '-C', join(dir, 'content'), '.']);
    };
    tar('-cf', 'a.tar');
    tar('-czf', 'a.tar.gz');
    tar('-cjf', 'a.tar.bz2');
    tar('-cJf', 'a.tar.xz');
    execFileSync('sh', ['-c', `printf 'hello\\n' | gzip > ${join(dir, 'text.gz')}`]);
    tars = { kind: 'context', dir, entries: await walkContext(dir, emptyIgnoreRules()) };
  });

  for (const name of ['a.tar', 'a.tar.gz', 'a.tar.bz2', 'a.tar.xz']) {
    it(`extracts ${name} into the destination`, async () => {
      const { dest } = await copy(tars, [name], '/x', { add: { extractArchives: true } }, { 'x/d/in.txt': 'old', 'x/keep': 'keep' });
      assert.equal(read(dest, 'x/top.txt'), 'top');
      assert.equal(read(dest, 'x/d/in.txt'), 'in');
      assert.equal(read(dest, 'x/keep'), 'keep', 'extraction merges with what is there');
      assert.equal(read(dest, 'x/d/.wh.hidden'), 'not a whiteout', 'whiteout names are plain files in ADD');
      assert.equal(owner(dest, 'x/d/in.txt'), '321:654', 'archive ownership kept');
      assert.equal(statSync(join(dest, 'x/d/hl')).ino, statSync(join(dest, 'x/top.txt')).ino, 'hardlinks kept');
      assert.equal(readlinkSync(join(dest, 'x/d/abs-link')), '/etc/passwd');
    });
  }

  it('applies --chown to extracted entries', async () => {
    const { dest } = await copy(tars, ['a.tar.gz'], '/x/', { add: { extractArchives: true }, chown: { uid: 9, gid: 9 } });
    assert.equal(owner(dest, 'x/d/in.txt'), '9:9');
    assert.equal(owner(dest, 'x'), '9:9');
  });

  it('copies a .tar.gz that is really text, and compressed non-tar data, as files', async () => {
    const { dest } = await copy(tars, ['notar.tar.gz', 'text.gz'], '/x/', { add: { extractArchives: true } });
    assert.equal(read(dest, 'x/notar.tar.gz'), 'just text, not gzip');
    assert.ok(lstatSync(join(dest, 'x/text.gz')).isFile());
  });

  it('keeps a hostile archive inside the target directory (docker extracts in a chroot there)', async () => {
    const outside = await makeTree({});
    const chunks: Buffer[] = [];
    const stream = packTar([
      { header: { name: '../../up.txt', type: 'file' }, body: 'up' },
      { header: { name: 'esc', type: 'symlink', linkname: '../../../../..' + outside } },
      { header: { name: 'esc/pwned', type: 'file' }, body: 'p' },
      { header: { name: 'abs', type: 'symlink', linkname: '/' } },
      { header: { name: 'abs/etc/x', type: 'file' }, body: 'x' },
      { header: { name: 'hl', type: 'hardlink', linkname: '../../../up.txt' } },
    ]);
    for await (const c of stream) chunks.push(c as Buffer);
    const dir = await makeTree({});
    await writeFile(join(dir, 'evil.tar'), Buffer.concat(chunks));
    const source: CopySource = { kind: 'context', dir, entries: await walkContext(dir, emptyIgnoreRules()) };
    const { dest } = await copy(source, ['evil.tar'], '/x/', { add: { extractArchives: true } });
    assert.equal(read(dest, 'x/up.txt'), 'up');
    assert.equal(read(dest, 'x' + outside + '/pwned'), 'p');
    assert.equal(read(dest, 'x/etc/x'), 'x');
    assert.equal(statSync(join(dest, 'x/hl')).ino, statSync(join(dest, 'x/up.txt')).ino);
    assert.ok(!existsSync(join(outside, 'pwned')) && !existsSync(join(dest, 'up.txt')));
  });

  it('COPY never extracts', async () => {
    const { dest } = await copy(tars, ['a.tar'], '/x/');
    assert.ok(lstatSync(join(dest, 'x/a.tar')).isFile());
  });
});
