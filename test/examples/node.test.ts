// examples/node end to end: built on the bootstrapped debian:bookworm with Debian's nodejs, run
// detached with a published port, answering HTTP as its README says (as user app, NODE_ENV set),
// its requests in `berth logs`, then stopped (SIGTERM handled, exit 0) and removed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildExample, containerName, ensureDebianBase, removeLeftovers, examplesUnavailable, forceRemove, freePort, getWhenUp, historyCreatedBy, imageConfig, imageOf, logsOf,
  psRow, removeContainer, runDetached, stopContainer,
} from './helpers.ts';

const skip = await examplesUnavailable();

describe('examples/node: a Node.js web server', { skip }, () => {
  const name = containerName('node');
  let port: number;

  before(async () => {
    ensureDebianBase();
    await removeLeftovers('node');
  });
  after(() => forceRemove(name));

  it('builds on debian:bookworm with Debian\'s nodejs, runs as user app', async () => {
    await buildExample('node');
    const config = await imageConfig(imageOf('node'));
    assert.equal(config.User, 'app');
    assert.equal(config.WorkingDir, '/app');
    assert.deepEqual(config.Cmd, ['node', 'server.js']);
    assert.deepEqual(config.ExposedPorts, { '3000/tcp': {} });
    assert.ok((config.Env as string[]).includes('NODE_ENV=production'));
    const history = await historyCreatedBy(imageOf('node'));
    assert.ok(history.some((h) => /^RUN .*apt-get install -y --no-install-recommends nodejs/.test(h)), history.join('\n'));
  });

  it('answers on its published port', async () => {
    port = await freePort();
    await runDetached(['--name', name, '-p', `127.0.0.1:${port}:3000`, imageOf('node')]);
    const res = await getWhenUp(`http://127.0.0.1:${port}/`, name);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^Hello from Node\.js v18\.\d+\.\d+ in a berth container!\n$/);
    const info = await fetch(`http://127.0.0.1:${port}/api/info`);
    assert.equal(info.status, 200);
    const body = (await info.json()) as { uid: number; env: string; node: string };
    assert.equal(body.uid, 1000, 'the server does not run as user app (uid 1000)');
    assert.equal(body.env, 'production');
    assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
  });

  it('berth logs shows its requests', async () => {
    const logs = await logsOf(name);
    assert.match(logs, /listening on port 3000/);
    assert.match(logs, / GET \/api\/info$/m);
    assert.match(logs, / GET \/nope$/m);
  });

  it('berth stop: its SIGTERM handler closes the server and exits 0; berth rm removes it', async () => {
    await stopContainer(name);
    assert.match(await psRow(name), /\bExited \(0\)/);
    assert.match(await logsOf(name), /^SIGTERM: shutting down$/m);
    await removeContainer(name);
  });
});
