// examples/postgres end to end: PostgreSQL from Debian's packages on debian:bookworm; at its first
// start the entrypoint creates the cluster and runs init.sql; psql on the host queries it through
// the published port with the password given by -e; it stops on SIGINT (fast shutdown) and is removed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { describeBuild } from '../build/e2e-helpers.ts';
import {
  berth, buildExample, containerName, ensureDebianBase, removeLeftovers, examplesUnavailable, forceRemove, freePort, imageConfig, imageOf, logsOf, psRow, removeContainer,
  runDetached, stopContainer, STORE, untilReady,
} from './helpers.ts';

const run = promisify(execFile);
const skip = await examplesUnavailable();
const IMAGE = imageOf('postgres');
const PASSWORD = 'harbour-master';

/** psql on the host against the container's published port; resolves with its stdout. */
async function psql(port: number, password: string, sql: string): Promise<string> {
  const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' };
  const { stdout } = await run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'harbour', '-X', '-tA', '-c', sql], { env });
  return stdout;
}

describe('examples/postgres: PostgreSQL with an init SQL script', { skip }, () => {
  const name = containerName('postgres');
  let port: number;

  before(async () => {
    await run('psql', ['--version']).catch(() => assert.fail('psql is not installed on this host (apt-get install postgresql-client; scripts/setup.sh does)'));
    ensureDebianBase();
    await removeLeftovers('postgres');
  });
  after(() => forceRemove(name));

  it('builds on debian:bookworm with Debian\'s postgresql-15, the entrypoint and init.sql', async () => {
    await buildExample('postgres');
    const config = await imageConfig(IMAGE);
    assert.deepEqual(config.Entrypoint, ['docker-entrypoint.sh']);
    assert.deepEqual(config.Cmd, ['postgres']);
    assert.equal(config.User, 'postgres');
    assert.equal(config.StopSignal, 'SIGINT');
    assert.deepEqual(config.ExposedPorts, { '5432/tcp': {} });
  });

  it('refuses a first start without POSTGRES_PASSWORD (exit code 1, says what to do)', async () => {
    const r = await berth(STORE, ['run', '--rm', IMAGE]);
    assert.equal(r.code, 1, describeBuild(r));
    assert.match(r.stderr, /POSTGRES_PASSWORD is not set/);
    assert.match(r.stderr, /-e POSTGRES_PASSWORD=/);
  });

  it('runs init.sql at its first start; psql on the host queries it through the published port', async () => {
    port = await freePort();
    await runDetached(['--name', name, '-e', `POSTGRES_PASSWORD=${PASSWORD}`, '-p', `127.0.0.1:${port}:5432`, IMAGE]);
    // The server starts once the cluster is made and init.sql ran; until then connections fail.
    const ships = await untilReady('psql through the published port', name, () => psql(port, PASSWORD, 'SELECT name, berth FROM ships ORDER BY berth'));
    assert.equal(ships, 'Aurora|1\nBorealis|2\nCalypso|3\n');
    assert.equal(await psql(port, PASSWORD, "INSERT INTO ships (name, berth) VALUES ('Dolphin', 4) RETURNING id"), '4\nINSERT 0 1\n');
    assert.equal(await psql(port, PASSWORD, 'SELECT count(*) FROM ships'), '4\n');
    const logs = await logsOf(name);
    assert.match(logs, /^init: running \/docker-entrypoint-initdb\.d\/init\.sql$/m);
    assert.match(logs, /listening on IPv4 address "0\.0\.0\.0", port 5432/);
  });

  it('a wrong password is refused (password authentication from outside the container)', async () => {
    await assert.rejects(psql(port, 'not-the-password', 'SELECT 1'), (e: Error & { stderr?: string }) => {
      assert.match(e.stderr ?? '', /password authentication failed for user "postgres"/);
      return true;
    });
  });

  it('berth stop sends SIGINT (fast shutdown, exit 0); berth rm removes it', async () => {
    await stopContainer(name);
    assert.match(await psRow(name), /\bExited \(0\)/);
    const logs = await logsOf(name);
    assert.match(logs, /received fast shutdown request/);
    assert.match(logs, /database system is shut down/);
    await removeContainer(name);
  });
});
