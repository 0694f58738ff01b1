// `berth build --secret`, `--ssh` and `--allow` parsing, as buildx parses them (no containers needed).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseEntitlements, parseSecretSpec, readBuildSecrets, sshAgentSockets } from '../../src/api/build-secrets.ts';
import { isBerthError } from '../../src/api/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'berth-secret-spec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => isBerthError(e) && message.test(e.message));
}

describe('--secret', () => {
  it('parses id, src/source, env and type as buildx', () => {
    assert.deepEqual(parseSecretSpec('id=a,src=/f'), { id: 'a', file: '/f' });
    assert.deepEqual(parseSecretSpec('ID=a,Source=/f'), { id: 'a', file: '/f' });
    assert.deepEqual(parseSecretSpec('id=a,env=VAR'), { id: 'a', env: 'VAR' });
    assert.deepEqual(parseSecretSpec('id=a,type=env,src=VAR'), { id: 'a', env: 'VAR' });
    assert.deepEqual(parseSecretSpec('"id=a,b",src=/f'), { id: 'a,b', file: '/f' });
    assert.deepEqual(parseSecretSpec('id=a'), { id: 'a' });
  });

  it('refuses what buildx refuses, saying what is wrong', () => {
    assert.throws(() => parseSecretSpec('src=/f'), /secret missing ID/);
    assert.throws(() => parseSecretSpec('id=a,type=socket'), /unsupported secret type "socket"/);
    assert.throws(() => parseSecretSpec('id=a,mode=0400'), /unexpected key 'mode'/);
    assert.throws(() => parseSecretSpec('id=a,src'), /must be a key=value pair/);
    assert.throws(() => parseSecretSpec('"id=a'), /unterminated quote/);
  });

  it('reads files and variables; an id alone is a set variable, else a file', async () => {
    const f = path.join(dir, 'f');
    writeFileSync(f, 'file-value');
    const got = await readBuildSecrets(['id=a,src=' + f, 'id=b,env=B_VAR', 'id=C_VAR', `id=${f}`], { B_VAR: 'b-value', C_VAR: 'c-value' });
    assert.deepEqual([...got].map(([k, v]) => [k, v.toString()]), [['a', 'file-value'], ['b', 'b-value'], ['C_VAR', 'c-value'], [f, 'file-value']]);
  });

  it('a missing file or variable and a secret over 500 KB are errors before any work', async () => {
    await rejects(readBuildSecrets([`id=a,src=${path.join(dir, 'nope')}`], {}), /secret a: failed to stat/);
    await rejects(readBuildSecrets(['id=a,env=UNSET'], {}), /environment variable UNSET is not set/);
    const big = path.join(dir, 'big');
    writeFileSync(big, Buffer.alloc(500 * 1024 + 1));
    await rejects(readBuildSecrets([`id=big,src=${big}`], {}), /too big/);
  });
});

describe('--ssh', () => {
  it('default is $SSH_AUTH_SOCK; ID=SOCKET names one; key files and a missing agent are refused by name', async () => {
    const sock = path.join(dir, 'agent.sock');
    const server = createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      assert.deepEqual([...await sshAgentSockets(['default', `other=${sock}`], { SSH_AUTH_SOCK: sock })], [['default', sock], ['other', sock]]);
      await rejects(sshAgentSockets(['default'], {}), /SSH_AUTH_SOCK is set/);
      const key = path.join(dir, 'id_ed25519');
      writeFileSync(key, 'not a socket');
      await rejects(sshAgentSockets([`k=${key}`], {}), /not an agent socket/);
      await rejects(sshAgentSockets([`k=${path.join(dir, 'absent')}`], {}), /does not exist/);
    } finally {
      server.close();
    }
  });
});

describe('--allow', () => {
  it('takes network.host and security.insecure, nothing else', () => {
    assert.deepEqual([...parseEntitlements(['network.host', 'security.insecure'])], ['network.host', 'security.insecure']);
    assert.throws(() => parseEntitlements(['device']), /invalid entitlement: device/);
  });
});
