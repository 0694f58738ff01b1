// ADD of an http(s) URL against a server on loopback: docker's file naming, mode 0600 and mtime from
// Last-Modified, no extraction, --checksum pinning, the content's digest as the cache key, and
// clear errors for a failing server.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { urlFileName } from '../../src/build/url-source.ts';
import { build, describeBuild, importBusybox, step } from './e2e-helpers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-add-url-'));
const root = path.join(work, 'store');
const LAST_MODIFIED = new Date('2024-03-01T12:00:00Z');
let hello = 'hello over http\n';
let server: Server;
let base = '';

before(async () => {
  await importBusybox(root, work, 'busybox:latest');
  server = createServer((req, res) => {
    if (req.url === '/files/hello.txt') {
      res.writeHead(200, { 'content-type': 'text/plain', 'last-modified': LAST_MODIFIED.toUTCString() });
      res.end(hello);
    } else if (req.url === '/download?id=7') {
      res.writeHead(200, { 'content-disposition': 'attachment; filename="report.csv"' });
      res.end('a,b\n');
    } else if (req.url === '/files/app.tar.gz') {
      res.writeHead(200);
      res.end(gzipSync(Buffer.alloc(1024)));
    } else {
      res.writeHead(404);
      res.end('not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
function context(dockerfile: string): string {
  const dir = path.join(work, `ctx-${n++}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('ADD <url>', () => {
  it('names files as docker does', () => {
    assert.equal(urlFileName(new URL('http://h/a/b/c.txt?x=1'), null), 'c.txt');
    assert.equal(urlFileName(new URL('http://h/dl'), 'attachment; filename="r.csv"'), 'r.csv');
    assert.equal(urlFileName(new URL('http://h/'), null), '__unnamed__');
    assert.equal(urlFileName(new URL('http://h/x%20y'), null), 'x y');
  });

  it('downloads into the image: 0600, Last-Modified as mtime, archives not extracted, Content-Disposition naming', async () => {
    const out = path.join(work, 'out-1');
    const b = await build(root, ['-o', `type=local,dest=${out}`, context(
      `FROM busybox\nADD ${base}/files/hello.txt /srv/\nADD ${base}/files/app.tar.gz /srv/\nADD ${base}/download?id=7 /srv/\nADD ${base}/files/hello.txt /renamed.txt\n`,
    )]);
    assert.equal(b.code, 0, describeBuild(b));
    assert.equal(readFileSync(path.join(out, 'srv', 'hello.txt'), 'utf8'), hello);
    const st = statSync(path.join(out, 'srv', 'hello.txt'));
    assert.equal(st.mode & 0o7777, 0o600);
    assert.equal(st.mtimeMs, LAST_MODIFIED.getTime());
    assert.ok(statSync(path.join(out, 'srv', 'app.tar.gz')).isFile(), 'a downloaded archive was extracted');
    assert.equal(readFileSync(path.join(out, 'srv', 'report.csv'), 'utf8'), 'a,b\n');
    assert.equal(readFileSync(path.join(out, 'renamed.txt'), 'utf8'), hello);
  });

  it('stays cached while the content is the same and reruns when it changes', async () => {
    const ctx = context(`FROM busybox\nADD ${base}/files/hello.txt /hello.txt\nRUN cat /hello.txt\n`);
    const first = await build(root, [ctx]);
    assert.equal(first.code, 0, describeBuild(first));
    const again = await build(root, [ctx]);
    assert.ok(step(again, 'ADD').cached && step(again, 'RUN cat').cached, describeBuild(again));
    hello = 'hello, changed\n';
    const changed = await build(root, [ctx]);
    assert.ok(!step(changed, 'ADD').cached, describeBuild(changed));
    assert.deepEqual(step(changed, 'RUN cat').output, ['hello, changed']);
  });

  it('checks --checksum, and names the line and the URL when a download fails', async () => {
    const ok = await build(root, [context(`FROM busybox\nADD --checksum=${sha256(hello)} ${base}/files/hello.txt /pinned.txt\n`)]);
    assert.equal(ok.code, 0, describeBuild(ok));
    const wrong = await build(root, [context(`FROM busybox\nADD --checksum=${sha256('other')} ${base}/files/hello.txt /pinned.txt\n`)]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /digest mismatch sha256:[0-9a-f]{64}: expected sha256:/);
    assert.match(wrong.stderr, /Dockerfile:2\b/);
    const missing = await build(root, [context(`FROM busybox\nADD ${base}/nope.txt /x\n`)]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`${base.replace(/[.]/g, '\\.')}/nope\\.txt answered 404`));
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'a stack trace');
    const bad = await build(root, [context('FROM busybox\nADD http://[not-a-host/x /x\n')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /"http:\/\/\[not-a-host\/x" is not a valid URL/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'a stack trace');
    const copy = await build(root, [context(`FROM busybox\nCOPY ${base}/files/hello.txt /x\n`)]);
    assert.equal(copy.code, 1);
    assert.match(copy.stderr, /source can't be a URL for COPY/);
  });
});
