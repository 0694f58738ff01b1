// examples/static-nginx end to end: a site rendered by Node in one stage and served by nginx from a
// second (COPY --from), built on debian:bookworm; the served image holds no Node; it answers on its
// published port (the page, its fingerprinted stylesheet, client routes), logs its requests, stops
// on its STOPSIGNAL (SIGQUIT) and is removed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeBuild } from '../build/e2e-helpers.ts';
import {
  berth, buildExample, containerName, ensureDebianBase, removeLeftovers, examplesUnavailable, forceRemove, freePort, getWhenUp, historyCreatedBy, imageConfig, imageOf, logsOf,
  psRow, removeContainer, runDetached, stopContainer, STORE,
} from './helpers.ts';

const skip = await examplesUnavailable();
const IMAGE = imageOf('static-nginx');

describe('examples/static-nginx: a static site built by Node, served by nginx', { skip }, () => {
  const name = containerName('static-nginx');
  let base: string;

  before(async () => {
    ensureDebianBase();
    await removeLeftovers('static-nginx');
  });
  after(() => forceRemove(name));

  it('builds in two stages: the site rendered by node in the first, copied into the nginx one', async () => {
    const b = await buildExample('static-nginx');
    const render = b.steps.find((s) => s.text === 'RUN node build.mjs');
    assert.ok(render, `no RUN node build.mjs step: ${describeBuild(b)}`);
    assert.equal(render.stage, 'build');
    const config = await imageConfig(IMAGE);
    assert.deepEqual(config.Cmd, ['nginx', '-g', 'daemon off;']);
    assert.equal(config.StopSignal, 'SIGQUIT');
    assert.deepEqual(config.ExposedPorts, { '80/tcp': {} });
    const history = await historyCreatedBy(IMAGE);
    assert.ok(history.some((h) => /^COPY \/site\/dist \/var\/www\/site/.test(h)), history.join('\n'));
    assert.ok(!history.some((h) => /nodejs|build\.mjs/.test(h)), `the served image has the build stage's steps:\n${history.join('\n')}`);
  });

  it('the served image has nginx and the built files, no Node', async () => {
    const r = await berth(STORE, ['run', '--rm', '--entrypoint', 'sh', IMAGE, '-c', 'command -v nginx; command -v node || echo no node; ls /var/www/site /var/www/site/assets']);
    assert.equal(r.code, 0, describeBuild(r));
    assert.match(r.stdout, /^\/usr\/sbin\/nginx$/m);
    assert.match(r.stdout, /^no node$/m);
    assert.match(r.stdout, /^index\.html$/m);
    assert.match(r.stdout, /^styles\.[0-9a-f]{10}\.css$/m);
  });

  it('serves the page, its fingerprinted stylesheet and client routes on its published port', async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await runDetached(['--name', name, '-p', `127.0.0.1:${port}:80`, IMAGE]);
    const res = await getWhenUp(`${base}/`, name);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('server') ?? '', /^nginx\//);
    const html = await res.text();
    assert.match(html, /<h1>Hello from a berth-built static site<\/h1>/);
    assert.match(html, /<li data-example="postgres"><code>examples\/postgres<\/code>/);
    const css = /<link rel="stylesheet" href="(\/assets\/styles\.[0-9a-f]{10}\.css)">/.exec(html)?.[1];
    assert.ok(css, `no fingerprinted stylesheet in the page:\n${html}`);
    const style = await fetch(base + css);
    assert.equal(style.status, 200);
    assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(style.headers.get('cache-control') ?? '', /immutable/);
    assert.match(await style.text(), /\.header h1/);
    // A client-side route gets the app's page; a missing asset is a 404.
    const route = await fetch(`${base}/examples/node`);
    assert.equal(route.status, 200);
    assert.equal(await route.text(), html);
    assert.equal((await fetch(`${base}/assets/missing.css`)).status, 404);
  });

  it('berth logs shows nginx\'s access log', async () => {
    const logs = await logsOf(name);
    assert.match(logs, /"GET \/ HTTP\/1\.1" 200 /);
    assert.match(logs, /"GET \/assets\/styles\.[0-9a-f]{10}\.css HTTP\/1\.1" 200 /);
    assert.match(logs, /"GET \/assets\/missing\.css HTTP\/1\.1" 404 /);
  });

  it('berth stop sends SIGQUIT (nginx\'s graceful stop: exit 0); berth rm removes it', async () => {
    await stopContainer(name);
    assert.match(await psRow(name), /\bExited \(0\)/);
    await removeContainer(name);
  });
});
