// `berth build URL`, end to end on loopback: a git repository over git's smart HTTP (the default
// branch, `#tag:subdir` with -f inside the subdir), a tar archive (gzip, xz) and a plain Dockerfile
// served by a node http server, and the typed errors of a 404, a closed port and a bad ref.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { contextGitRef } from '../../src/api/remote-context.ts';
import { isGitContext, isRemoteContext } from '../../src/api/remote-url.ts';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, type Built } from './e2e-helpers.ts';
import { assertBuilt as ok, Workspace } from './fixture-builds.ts';

const BASE = 'remotectx/busybox:1';
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
const skip = runcUnavailable() ?? (existsSync('/usr/bin/git') ? undefined : 'needs git');

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const noStack = (b: Pick<Built, 'stderr'>): void => assert.doesNotMatch(b.stderr, /\n\s+at /, 'no stack trace');

describe('berth build URL', { skip, concurrency: false }, () => {
  let ws: Workspace;
  let gitServer: GitHttpServer | undefined;
  let files: Server | undefined;
  let filesUrl = '';
  const served = new Map<string, Buffer>();

  before(async () => {
    ws = await Workspace.create('remotectx', BASE);
    const bare = path.join(ws.work, 'served');
    await mkdir(bare);
    git(bare, 'init', '-q', '--bare', '-b', 'main', 'repo.git');
    const wt = path.join(ws.work, 'wt');
    await mkdir(path.join(wt, 'app'), { recursive: true });
    git(wt, 'init', '-q', '-b', 'main');
    await writeFile(path.join(wt, 'Dockerfile'), `FROM ${BASE}\nCOPY . /ctx/\n`);
    await writeFile(path.join(wt, 'top.txt'), 'top one\n');
    await writeFile(path.join(wt, 'app', 'Dockerfile'), `FROM ${BASE}\nCOPY . /app/\n`);
    await writeFile(path.join(wt, 'app', 'alt.Dockerfile'), `FROM ${BASE}\nCOPY app.txt /alt.txt\nRUN cat /alt.txt\n`);
    await writeFile(path.join(wt, 'app', 'app.txt'), 'app one\n');
    git(wt, 'add', '.');
    git(wt, 'commit', '-q', '-m', 'one');
    git(wt, 'tag', 'v1');
    await writeFile(path.join(wt, 'app', 'app.txt'), 'app two\n');
    await writeFile(path.join(wt, 'top.txt'), 'top two\n');
    git(wt, 'commit', '-q', '-am', 'two');
    git(wt, 'push', '-q', path.join(bare, 'repo.git'), 'main', 'v1');
    gitServer = await startGitHttpServer(bare);

    const tarDir = path.join(ws.work, 'tar-ctx');
    await mkdir(path.join(tarDir, 'sub'), { recursive: true });
    await writeFile(path.join(tarDir, 'Dockerfile'), `FROM ${BASE}\nCOPY hello.txt /hello.txt\n`);
    await writeFile(path.join(tarDir, 'sub', 'Other'), `FROM ${BASE}\nCOPY sub/x.txt /x.txt\n`);
    await writeFile(path.join(tarDir, 'hello.txt'), 'hello from a tarball\n');
    await writeFile(path.join(tarDir, 'sub', 'x.txt'), 'x\n');
    const tar = (...flags: string[]): Buffer => execFileSync('tar', [...flags, '-C', tarDir, '-cf', '-', '.'], { maxBuffer: 16 << 20 });
    served.set('/ctx.tar.gz', tar('-z'));
    served.set('/ctx.tar.xz', tar('-J'));
    served.set('/Dockerfile', Buffer.from(`FROM ${BASE}\nRUN echo from a plain Dockerfile URL > /plain.txt\n`));
    files = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      if (!body) { res.writeHead(404, 'Not Found').end('no such file\n'); return; }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => files!.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
  });
  after(async () => {
    await gitServer?.close();
    if (files) { files.closeAllConnections(); await new Promise((r) => files!.close(r)); }
    await ws?.dispose();
  });

  const read = async (tag: string, p: string): Promise<string> => readFileSync(path.join(await ws.rootfs(tag), p), 'utf8');
  const leftovers = (): string[] => readdirSync(path.join(ws.root, 'tmp')).filter((n) => /remote-context|stdin-context|add-url/.test(n));
  /** Checksum memos kept for contexts that are gone (a fresh temp dir each build) would only pile up. */
  const memos = (): string[] => (existsSync(path.join(ws.root, 'cache', 'checksums')) ? readdirSync(path.join(ws.root, 'cache', 'checksums')) : []);

  it('clones a git repository: the default branch, or #tag:subdir as the context with -f inside it', async () => {
    const repo = `${gitServer!.url}/repo.git`;
    ok(await build(ws.root, ['-t', 'remote/git:head', repo]));
    assert.equal(await read('remote/git:head', 'ctx/top.txt'), 'top two\n');
    assert.equal(await read('remote/git:head', 'ctx/app/app.txt'), 'app two\n');
    assert.equal(existsSync(path.join(await ws.rootfs('remote/git:head'), 'ctx/.git')), false, 'no .git in the context');

    ok(await build(ws.root, ['-t', 'remote/git:sub', `${repo}#v1:app`]));
    const fs = await ws.rootfs('remote/git:sub');
    assert.equal(readFileSync(path.join(fs, 'app/app.txt'), 'utf8'), 'app one\n');
    assert.equal(existsSync(path.join(fs, 'app/top.txt')), false, 'only the subdirectory is the context');

    const alt = await build(ws.root, ['-t', 'remote/git:alt', '-f', 'alt.Dockerfile', `${repo}#main:app`]);
    ok(alt);
    assert.equal(await read('remote/git:alt', 'alt.txt'), 'app two\n');
    assert.deepEqual(leftovers(), []);
  });

  it('builds a tar archive URL (gzip, xz) as the context, -f naming a file inside it', async () => {
    ok(await build(ws.root, ['-t', 'remote/tar:gz', `${filesUrl}/ctx.tar.gz`]));
    assert.equal(await read('remote/tar:gz', 'hello.txt'), 'hello from a tarball\n');
    ok(await build(ws.root, ['-t', 'remote/tar:xz', '-f', 'sub/Other', `${filesUrl}/ctx.tar.xz`]));
    assert.equal(await read('remote/tar:xz', 'x.txt'), 'x\n');
    assert.deepEqual(leftovers(), []);
    assert.deepEqual(memos(), [], 'no checksum memo for a context that is gone');
    // -f -: the Dockerfile from stdin, the archive the context (docker's remote context with a stdin Dockerfile).
    const stdin = await berth(ws.root, ['build', '-q', '-t', 'remote/tar:stdin', '-f', '-', `${filesUrl}/ctx.tar.gz`], { input: `FROM ${BASE}\nCOPY hello.txt /from-stdin.txt\n` });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(await read('remote/tar:stdin', 'from-stdin.txt'), 'hello from a tarball\n');
    const notArchive = await berth(ws.root, ['build', '-q', '-f', '-', `${filesUrl}/Dockerfile`], { input: `FROM ${BASE}\n` });
    assert.notEqual(notArchive.code, 0);
    assert.match(notArchive.stderr, /\/Dockerfile is not a context archive, and -f - reads the Dockerfile from stdin/);
    noStack(notArchive);
  });

  it('builds a plain-text URL as the Dockerfile with an empty context', async () => {
    ok(await build(ws.root, ['-t', 'remote/plain:1', `${filesUrl}/Dockerfile`]));
    assert.equal(await read('remote/plain:1', 'plain.txt'), 'from a plain Dockerfile URL\n');
    assert.deepEqual(leftovers(), []);
  });

  it('a 404, a closed port and a missing ref are clear errors naming the URL', async () => {
    const missing = await build(ws.root, [`${filesUrl}/nothing.tar`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, new RegExp(`unable to download remote context ${filesUrl}/nothing\\.tar: .*404 Not Found`));
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
    });
    const refused = await build(ws.root, [`http://127.0.0.1:${closed}/ctx.tar`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`unable to download remote context http://127\\.0\\.0\\.1:${closed}/ctx\\.tar: .*ECONNREFUSED`));
    const badRef = await build(ws.root, [`${gitServer!.url}/repo.git#no-such-ref`]);
    assert.notEqual(badRef.code, 0);
    assert.match(badRef.stderr, /repo\.git has no branch or tag "no-such-ref"/);
    const noRepo = await build(ws.root, [`${gitServer!.url}/absent.git`]);
    assert.notEqual(noRepo.code, 0);
    assert.match(noRepo.stderr, /cannot read the git repository http:\/\/127\.0\.0\.1:\d+\/absent\.git/);
    for (const b of [missing, refused, badRef, noRepo]) noStack(b);
    assert.deepEqual(leftovers(), []);
  });
});

describe('which contexts are URLs (docker CLI\'s urlutil, buildx\'s ssh://)', () => {
  it('tells git repositories, downloads and directories apart', async () => {
    for (const git of ['https://h/r.git', 'http://h/r.git#main:sub', 'git://h/r', 'git@h:r.git', 'github.com/x/y', 'ssh://git@h/r']) {
      assert.equal(isGitContext(git), true, git);
      assert.equal(await isRemoteContext(git), true, git);
    }
    for (const download of ['https://h/r', 'https://github.com/x/y', 'https://h/r.git?x=1', 'http://h/ctx.tar.gz']) {
      assert.equal(isGitContext(download), false, download);
      assert.equal(await isRemoteContext(download), true, download);
    }
    for (const dir of ['.', 'ctx', '/tmp', 'gitlab.com/x']) assert.equal(await isRemoteContext(dir), false, dir);
  });

  it('names the repository, ref and subdirectory to clone', () => {
    assert.deepEqual(contextGitRef('github.com/x/y#v1:docs'), { remote: 'https://github.com/x/y', ref: 'v1', subdir: 'docs' });
    assert.deepEqual(contextGitRef('https://h/r.git#main'), { remote: 'https://h/r.git', ref: 'main', subdir: '' });
    assert.deepEqual(contextGitRef('git@h:r.git#:a/b'), { remote: 'git@h:r.git', ref: '', subdir: 'a/b' });
  });

  it('an existing directory wins over a URL-like name, as in docker', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-urlctx-'));
    try {
      mkdirSync(path.join(dir, 'github.com', 'x', 'y'), { recursive: true });
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        assert.equal(await isRemoteContext('github.com/x/y'), false);
        assert.equal(await isRemoteContext('github.com/x/z'), true);
      } finally {
        process.chdir(cwd);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
