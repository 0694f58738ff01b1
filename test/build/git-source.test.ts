// ADD of a git repository, end to end against a real `git daemon` on loopback (git:// protocol) and
// `git http-backend` behind a loopback HTTP server (smart HTTP):
// branch, tag, commit and `#ref:subdir` sources, submodules, --keep-git-dir, --checksum of the commit, the cache
// keyed on the resolved commit (a push invalidates it), and the typed errors of bad sources.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { build, step, waitFor, type Built } from './e2e-helpers.ts';
import { assertBuilt as ok, Workspace } from './fixture-builds.ts';

const BASE = 'gitsrc/busybox:1';
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
const skip = runcUnavailable() ?? (existsSync('/usr/bin/git') ? undefined : 'needs git');

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('ADD of a git repository', { skip, concurrency: false }, () => {
  let ws: Workspace;
  let work: string;
  let root: string;
  let daemon: ChildProcess | undefined;
  let http: GitHttpServer | undefined;
  let url: string;
  let first: string;

  before(async () => {
    ws = await Workspace.create('git', BASE);
    ({ work, root } = ws);
    const served = path.join(work, 'served');
    await mkdir(served);
    git(served, 'init', '-q', '--bare', '-b', 'main', 'repo.git');
    const wt = path.join(work, 'wt');
    await mkdir(path.join(wt, 'sub'), { recursive: true });
    git(wt, 'init', '-q', '-b', 'main');
    await writeFile(path.join(wt, 'README'), 'version one\n');
    await writeFile(path.join(wt, 'sub', 'inner.txt'), 'inner one\n');
    git(wt, 'add', '.');
    git(wt, 'commit', '-q', '-m', 'one');
    first = git(wt, 'rev-parse', 'HEAD');
    git(wt, 'tag', '-a', '-m', 'release 1', 'v1');
    await writeFile(path.join(wt, 'README'), 'version two\n');
    git(wt, 'commit', '-q', '-am', 'two');
    git(wt, 'push', '-q', path.join(served, 'repo.git'), 'main', 'v1');
    const port = await freePort();
    daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${served}`, '--listen=127.0.0.1', `--port=${port}`, served], { stdio: 'ignore', env: GIT_ENV });
    url = `git://127.0.0.1:${port}/repo.git`;
    await waitFor('git daemon', () => {
      try {
        execFileSync('git', ['ls-remote', url], { stdio: 'ignore', env: GIT_ENV });
        return true;
      } catch {
        return false;
      }
    }, 30_000);
  });
  after(async () => {
    daemon?.kill();
    await http?.close();
    await ws?.dispose();
  });

  const buildIt = async (dockerfile: string, tag: string): Promise<Built> => build(root, ['-t', tag, await ws.context(dockerfile)]);
  const rootfs = (tag: string): Promise<string> => ws.rootfs(tag);
  const read = (fs: string, p: string): string => readFileSync(path.join(fs, p), 'utf8');

  it('adds a branch, a tag, a commit and a #ref:subdir; .git only with --keep-git-dir', async () => {
    const b = await buildIt(`FROM ${BASE}
ADD ${url} /head
ADD ${url}#v1 /tag/
ADD ${url}#${first} /commit
ADD ${url}#main:sub /subdir
ADD --keep-git-dir ${url}#main /kept
`, 'gitsrc/forms:1');
    ok(b);
    const fs = await rootfs('gitsrc/forms:1');
    assert.equal(read(fs, 'head/README'), 'version two\n');
    assert.equal(read(fs, 'tag/README'), 'version one\n');
    assert.equal(read(fs, 'commit/README'), 'version one\n');
    assert.equal(read(fs, 'commit/sub/inner.txt'), 'inner one\n');
    assert.equal(read(fs, 'subdir/inner.txt'), 'inner one\n');
    assert.equal(existsSync(path.join(fs, 'subdir/README')), false);
    assert.equal(existsSync(path.join(fs, 'head/.git')), false, 'no .git without --keep-git-dir');
    assert.equal(existsSync(path.join(fs, 'kept/.git/HEAD')), true, '--keep-git-dir keeps .git');
    assert.equal(git(path.join(fs, 'kept'), 'rev-parse', 'HEAD'), git(path.join(work, 'wt'), 'rev-parse', 'main'));
    const history = step(b, `ADD ${url}#v1`);
    assert.ok(history);
  });

  it('--checksum must match the resolved commit', async () => {
    ok(await buildIt(`FROM ${BASE}\nADD --checksum=${first} ${url}#v1 /ok/\n`, 'gitsrc/sum:1'));
    const bad = await buildIt(`FROM ${BASE}\nADD --checksum=${'0'.repeat(40)} ${url}#v1 /bad/\n`, 'gitsrc/sum:2');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, new RegExp(`expected checksum to match 0{40}, got ${first}`));
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  });

  it('is cached by the commit a ref resolves to: a push to the branch invalidates it', async () => {
    const df = `FROM ${BASE}\nADD ${url}#main /app\n`;
    ok(await buildIt(df, 'gitsrc/cache:1'));
    const again = await buildIt(df, 'gitsrc/cache:1');
    ok(again);
    assert.equal(step(again, 'ADD').cached, true, again.stderr);
    const wt = path.join(work, 'wt');
    await writeFile(path.join(wt, 'README'), 'version three\n');
    git(wt, 'commit', '-q', '-am', 'three');
    git(wt, 'push', '-q', path.join(work, 'served', 'repo.git'), 'main');
    const pushed = await buildIt(df, 'gitsrc/cache:2');
    ok(pushed);
    assert.equal(step(pushed, 'ADD').cached, false, pushed.stderr);
    assert.equal(read(await rootfs('gitsrc/cache:2'), 'app/README'), 'version three\n');
  });

  it('fetches over git\'s smart HTTP (http://…/repo.git#ref:subdir)', async () => {
    http = await startGitHttpServer(path.join(work, 'served'));
    const b = await buildIt(`FROM ${BASE}\nADD ${http.url}/repo.git#v1:sub /http/\n`, 'gitsrc/http:1');
    ok(b);
    assert.equal(read(await rootfs('gitsrc/http:1'), 'http/inner.txt'), 'inner one\n');
    const missing = await buildIt(`FROM ${BASE}\nADD ${http.url}/nothing-here.git /x\n`, 'gitsrc/http:2');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /cannot read the git repository http:\/\/127\.0\.0\.1:\d+\/nothing-here\.git/);
  });

  it('checks submodules out', async () => {
    const served = path.join(work, 'served');
    git(served, 'init', '-q', '--bare', '-b', 'main', 'lib.git');
    const lib = path.join(work, 'lib-wt');
    await mkdir(lib);
    git(lib, 'init', '-q', '-b', 'main');
    await writeFile(path.join(lib, 'lib.txt'), 'from the submodule\n');
    git(lib, 'add', '.');
    git(lib, 'commit', '-q', '-m', 'lib');
    git(lib, 'push', '-q', path.join(served, 'lib.git'), 'main');
    const wt = path.join(work, 'wt');
    git(wt, 'checkout', '-q', '-b', 'with-sub');
    git(wt, '-c', 'protocol.allow=always', 'submodule', 'add', '-q', url.replace('repo.git', 'lib.git'), 'vendor/lib');
    git(wt, 'commit', '-q', '-m', 'add lib');
    git(wt, 'push', '-q', path.join(served, 'repo.git'), 'with-sub');
    git(wt, 'checkout', '-q', 'main');
    const b = await buildIt(`FROM ${BASE}\nADD ${url}#with-sub /app\n`, 'gitsrc/sub:1');
    ok(b);
    assert.equal(read(await rootfs('gitsrc/sub:1'), 'app/vendor/lib/lib.txt'), 'from the submodule\n');
  });

  it('bad git sources fail with typed errors', async () => {
    const missing = await buildIt(`FROM ${BASE}\nADD ${url}#no-such-branch /x\n`, 'gitsrc/bad:1');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /has no branch or tag "no-such-branch"/);
    const sub = await buildIt(`FROM ${BASE}\nADD ${url}#main:nowhere /x\n`, 'gitsrc/bad:2');
    assert.notEqual(sub.code, 0);
    assert.match(sub.stderr, /"nowhere" is not a directory in commit/);
    const copy = await buildIt(`FROM ${BASE}\nCOPY ${url} /x\n`, 'gitsrc/bad:3');
    assert.notEqual(copy.code, 0);
    assert.match(copy.stderr, /source can't be a git ref for COPY/);
    for (const b of [missing, sub, copy]) assert.doesNotMatch(b.stderr, /\n\s+at /, 'no stack trace');
  });
});
