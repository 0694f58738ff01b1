// examples/curl end to end: curl as a one-shot container (`berth run --rm`), its arguments after the
// image, reaching a server this test starts on the host from the default isolated network; its
// output is berth's output, its exit code berth's, and --rm leaves no container behind.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { describeBuild } from '../build/e2e-helpers.ts';
import { berth, buildExample, containerName, ensureDebianBase, removeLeftovers, examplesUnavailable, forceRemove, hostAddress, imageConfig, imageOf, STORE } from './helpers.ts';

const skip = await examplesUnavailable();
const IMAGE = imageOf('curl');

describe('examples/curl: a command-line tool run as a one-shot container', { skip }, () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const names: string[] = [];

  before(async () => {
    ensureDebianBase();
    await removeLeftovers('curl');
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      if (req.url?.startsWith('/hello')) res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello, ${req.headers['user-agent']}\n`);
      else res.writeHead(404).end('not here\n');
    });
    // On the host's own address, not loopback: that is how a container on the default network reaches it.
    const host = hostAddress();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    base = `http://${host}:${(server.address() as { port: number }).port}`;
  });

  after(async () => {
    server?.close();
    for (const n of names) await forceRemove(n);
  });

  it('builds on debian:bookworm with curl as its entrypoint, run as nobody', async () => {
    await buildExample('curl');
    const config = await imageConfig(IMAGE);
    assert.deepEqual(config.Entrypoint, ['curl']);
    assert.deepEqual(config.Cmd, ['--help']);
    assert.equal(config.User, 'nobody');
  });

  it('berth run --rm IMAGE ARGS...: the arguments go to curl, its output is berth\'s, nothing is left', async () => {
    const name = containerName('curl');
    names.push(name);
    const r = await berth(STORE, ['run', '--rm', '--name', name, IMAGE, '-sS', `${base}/hello?from=berth`]);
    assert.equal(r.code, 0, describeBuild(r));
    assert.match(r.stdout, /^hello, curl\/7\.\d+\.\d+\n$/);
    assert.ok(seen.some((s) => s.url === '/hello?from=berth' && /^curl\//.test(s.headers['user-agent'] ?? '')), JSON.stringify(seen));
    const ps = await berth(STORE, ['ps', '-a']);
    assert.equal(ps.code, 0, describeBuild(ps));
    assert.ok(!ps.stdout.includes(name), `--rm left ${name} behind:\n${ps.stdout}`);
  });

  it('curl\'s exit code is berth\'s: -f on a 404 exits 22', async () => {
    const r = await berth(STORE, ['run', '--rm', IMAGE, '-sSf', `${base}/missing`]);
    assert.equal(r.code, 22, describeBuild(r));
    assert.match(r.stderr, /The requested URL returned error: 404/);
  });

  it('without arguments it runs the image\'s CMD (curl --help)', async () => {
    const r = await berth(STORE, ['run', '--rm', IMAGE]);
    assert.equal(r.code, 0, describeBuild(r));
    assert.match(r.stdout, /^Usage: curl \[options\.\.\.\] <url>$/m);
  });
});
