// bin/berth passes NODE_EXTRA_CA_CERTS on as BERTH_EXTRA_CA_CERTS (node would parse the file at every
// start) and berth's own agents add it to the roots they trust, as node does. (A loopback registry
// is trusted without its CA, as in docker, so the login below shows the wrapper keeps TLS working,
// and the table checks what the agents trust.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO } from '../build/e2e-helpers.ts';
import { registryUnavailable, useRegistry } from '../helpers/registry-server.ts';
import { withExtraCa } from '../../src/util/lazy-undici.ts';

const skip = registryUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-extra-ca-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('NODE_EXTRA_CA_CERTS through bin/berth', { skip }, () => {
  const reg = useRegistry('basic-tls');

  function login(extra: Record<string, string | undefined>): { code: number | null; out: string } {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, DOCKER_CONFIG: path.join(work, 'docker'), NO_COLOR: '1' };
    for (const k of ['NODE_EXTRA_CA_CERTS', 'BERTH_EXTRA_CA_CERTS', 'BERTH_CERTS_DIR']) delete env[k];
    const r = spawnSync(path.join(REPO, 'bin', 'berth'), ['--root', path.join(work, 'store'), 'login', '-u', reg.server.username!, '--password-stdin', reg.server.host], {
      env: { ...env, ...extra }, input: reg.server.password, encoding: 'utf8',
    });
    return { code: r.status, out: r.stdout + r.stderr };
  }

  it('logs in through bin/berth with NODE_EXTRA_CA_CERTS set (the wrapper keeps TLS working)', () => {
    const r = login({ NODE_EXTRA_CA_CERTS: reg.server.caFile });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Login Succeeded/);
  });

  it('adds the extra CA to the system roots, or to the CAs an endpoint names', async () => {
    const pem = readFileSync(reg.server.caFile!, 'utf8');
    const file = path.join(work, 'extra.pem');
    writeFileSync(file, pem);
    const plain = await withExtraCa({ connections: 4 }, file);
    assert.deepEqual(plain.connect, { ca: [...rootCertificates, pem] });
    assert.equal(plain.connections, 4);
    const named = await withExtraCa({ connect: { ca: ['CA-OF-ENDPOINT'], rejectUnauthorized: true } }, file);
    assert.deepEqual(named.connect, { ca: ['CA-OF-ENDPOINT', pem], rejectUnauthorized: true });
    assert.deepEqual(await withExtraCa({ connections: 1 }, path.join(work, 'missing.pem')), { connections: 1 });
    assert.deepEqual(await withExtraCa({ connections: 1 }, undefined), { connections: 1 });
  });
});
