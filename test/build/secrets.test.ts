// Build secrets end to end through the real CLI (runc, overlayfs): `--secret` from a file and from
// an environment variable, RUN --mount=type=secret as a file (mode, owner) and as env=, required
// and optional secrets, a secret's value kept out of the cache key; and the leak test: a random
// token appears nowhere under the store root, in `berth save` output or in the build's output,
// also after a build killed (SIGKILL) in the middle of the step and the next berth start.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flattenImage } from '../helpers/flatten.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, describeBuild, mountsBelow, runcContainers, startBerth, waitFor, type Ran } from './e2e-helpers.ts';
import { assertFailed, assertOk, BUSYBOX, context, outputOf, setUp, tearDown, type Env } from './mount-helpers.ts';

const skip = runcUnavailable();
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Files under `dir` holding `needle` (grep -r -F -l, binary files included). */
function grepFiles(dir: string, needle: string): string[] {
  const r = spawnSync('grep', ['-r', '-F', '-l', '-a', '--', needle, dir], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, `grep failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

describe('build secrets (real CLI, runc, overlayfs)', { skip }, () => {
  let env: Env;
  let secretFile: string;
  const value = `s3cr3t-${randomBytes(8).toString('hex')}`;
  before(async () => {
    env = await setUp('secrets');
    secretFile = path.join(env.work, 'secret.txt');
    writeFileSync(secretFile, value);
  });
  after(async () => { await tearDown(env); });

  async function files(ref: string, names: string[]): Promise<string[]> {
    const dir = mkdtempSync(path.join(env.work, 'flat-'));
    try {
      assert.deepEqual(await flattenImage(env.root, ref, dir), []);
      return names.map((f) => readFileSync(path.join(dir, f), 'utf8').replace(/\n$/, ''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('a file at /run/secrets/<id> (0400 root), with the mode and owner asked for, and as env=; none of it in the layer', async () => {
    const c = await context(env, 'basic', {
      Dockerfile: `FROM ${BUSYBOX}
RUN --mount=type=secret,id=tok sh -c 'sha256sum /run/secrets/tok | cut -c1-64 > /sum; stat -c "%a %u %g" /run/secrets/tok > /stat'
RUN --mount=type=secret,id=tok,target=/etc/app/key,mode=0440,uid=1000,gid=1001 stat -c "%a %u %g" /etc/app/key > /stat2
RUN --mount=type=secret,id=tok,env=TOKEN sh -c 'printf %s "$TOKEN" | sha256sum | cut -c1-64 > /envsum; test -e /run/secrets/tok && echo file > /where || echo env-only > /where'
`,
    });
    const b = await build(env.root, ['--secret', `id=tok,src=${secretFile}`, '-t', 's/basic:1', c]);
    assertOk(b);
    assert.deepEqual(await files('s/basic:1', ['/sum', '/stat', '/stat2', '/envsum', '/where']), [sha256(value), '400 0 0', '440 1000 1001', sha256(value), 'env-only']);
    const dir = mkdtempSync(path.join(env.work, 'flat-'));
    await flattenImage(env.root, 's/basic:1', dir);
    const leftover = spawnSync('find', [dir, '-path', '*/run/secrets*', '-o', '-path', '*/etc/app*'], { encoding: 'utf8' }).stdout.trim();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(leftover, '', 'secret mount points reached the image');
  });

  it('--secret from an environment variable (env=, type=env, or an id naming a set variable); the value is not in the cache key', async () => {
    const c = await context(env, 'from-env', {
      Dockerfile: `FROM ${BUSYBOX}\nRUN --mount=type=secret,id=a --mount=type=secret,id=b --mount=type=secret,id=MY_TOKEN sh -c 'cat /run/secrets/a /run/secrets/b /run/secrets/MY_TOKEN > /all'\n`,
    });
    const run = (v: string): Promise<Ran> => berthEnv(env.root, ['build', '--progress', 'plain', '--secret', 'id=a,env=SRC_A', '--secret', 'id=b,src=SRC_B,type=env', '--secret', 'id=MY_TOKEN', '-t', 's/env:1', c], { SRC_A: `${v}a`, SRC_B: `${v}b`, MY_TOKEN: `${v}c` });
    const first = await run('one-');
    assert.equal(first.code, 0, describeBuild(first));
    assert.deepEqual(await files('s/env:1', ['/all']), ['one-aone-bone-c']);
    const second = await run('two-');
    assert.equal(second.code, 0, describeBuild(second));
    assert.match(second.stderr, /#\d+ CACHED/, `a changed secret value re-ran the step:\n${second.stderr}`);
  });

  it('a required secret that is not given fails naming the line; an optional one is not mounted', async () => {
    const c = await context(env, 'missing', { Dockerfile: `FROM ${BUSYBOX}\nRUN --mount=type=secret,id=nope,required=true true\n` });
    assertFailed(await build(env.root, [c]), /Dockerfile:2[\s\S]*secret nope not found[\s\S]*--secret id=nope/);
    const o = await context(env, 'optional', { Dockerfile: `FROM ${BUSYBOX}\nRUN --mount=type=secret,id=nope sh -c 'test -e /run/secrets/nope && echo mounted || echo absent'\n` });
    const b = await build(env.root, [o]);
    assertOk(b);
    assert.deepEqual(outputOf(b, 'RUN --mount'), ['absent']);
  });

  it('bad --secret specs are refused with a clear error', async () => {
    const c = await context(env, 'bad-spec', { Dockerfile: `FROM ${BUSYBOX}\nRUN true\n` });
    assertFailed(await build(env.root, ['--secret', 'src=/x', c]), /secret missing ID/);
    assertFailed(await build(env.root, ['--secret', 'id=a,type=socket', c]), /unsupported secret type "socket"/);
    assertFailed(await build(env.root, ['--secret', `id=a,src=${path.join(env.work, 'absent')}`, c]), /secret a: failed to stat/);
  });

  describe('leak test: a random 32-byte token', () => {
    const token = randomBytes(32).toString('hex');
    let tokenFile: string;
    before(() => {
      tokenFile = path.join(env.work, 'token');
      writeFileSync(tokenFile, token);
    });

    function assertNoToken(where: string, text: string): void {
      assert.ok(!text.includes(token), `the token is in ${where}`);
    }

    it('appears nowhere under the store root, in berth save output or in the build\'s output', async () => {
      const c = await context(env, 'leak', {
        Dockerfile: `FROM ${BUSYBOX}
RUN --mount=type=secret,id=token --mount=type=secret,id=token,env=TOKEN,target=/run/secrets/again sh -c 'test "$(cat /run/secrets/token)" = "$TOKEN" && test -s /run/secrets/again && echo used-the-token > /proof'
RUN --mount=type=secret,id=token,required=true cp /run/secrets/token /dev/null
`,
      });
      const b = await build(env.root, ['--secret', `id=token,src=${tokenFile}`, '-t', 's/leak:1', c]);
      assertOk(b);
      assert.deepEqual(await files('s/leak:1', ['/proof']), ['used-the-token']);
      assertNoToken('the build output', b.stdout + b.stderr);
      const history = await berth(env.root, ['history', '--no-trunc', 's/leak:1']);
      assertNoToken('berth history', history.stdout);
      const saved = path.join(env.work, 'leak.tar');
      const s = await berth(env.root, ['save', '-o', saved, 's/leak:1']);
      assert.equal(s.code, 0, describeBuild(s));
      assert.deepEqual(grepFiles(saved, token), [], 'the token is in berth save output');
      // Gzip-compressed layers would hide it from grep: look into every blob uncompressed too.
      assert.deepEqual(grepFiles(env.root, token), [], 'the token is under the store root');
      for (const blob of execFileSync('ls', [path.join(env.root, 'blobs', 'sha256')], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
        const p = path.join(env.root, 'blobs', 'sha256', blob);
        const bytes = readFileSync(p);
        const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? execFileSync('gzip', ['-dc', p], { maxBuffer: 512 * 1024 * 1024 }) : bytes;
        assert.ok(!plain.includes(token), `the token is in blob ${blob}`);
      }
    });

    it('after a build killed (SIGKILL) in the middle of the step, the next berth start leaves it nowhere', async () => {
      const c = await context(env, 'killed', {
        Dockerfile: `FROM ${BUSYBOX}\nRUN --mount=type=secret,id=token --mount=type=secret,id=token,env=TOKEN,target=/t2 sh -c 'test -s /run/secrets/token && echo holding-the-secret && sleep 300'\n`,
      });
      const running = startBerth(env.root, ['build', '--progress', 'plain', '--secret', `id=token,src=${tokenFile}`, c]);
      // The step's own output line (the step's text, shown first, holds the words too).
      await waitFor('the step to hold the secret', () => /^#\d+ \d+\.\d+ holding-the-secret$/m.test(running.stderr()), 120_000);
      // Mid-step the token is on berth's tmpfs only (and the container's environment).
      const during = grepFiles(env.root, token);
      assert.ok(during.length > 0 && during.every((f) => /\/tmp\/\.s-\d+-[0-9a-f]{12}\//.test(f)), `the token outside the secrets tmpfs mid-step: ${during.join(' ')}`);
      running.child.kill('SIGKILL');
      const r = await running.done;
      assert.equal(r.signal, 'SIGKILL');
      assertNoToken('the killed build\'s output', r.stdout + r.stderr);
      const next = await berth(env.root, ['images']);
      assert.equal(next.code, 0, describeBuild(next));
      assert.deepEqual(grepFiles(env.root, token), [], 'the token is under the store root after the next start');
      assert.deepEqual(mountsBelow(env.root), [], 'mounts left after the next start');
      assert.deepEqual(runcContainers(env.root), [], 'containers left after the next start');
    });
  });
});

/** berth with extra environment variables. */
function berthEnv(root: string, args: string[], extra: Record<string, string>): Promise<Ran> {
  const saved = { ...process.env };
  Object.assign(process.env, extra);
  try {
    return berth(root, args);
  } finally {
    for (const k of Object.keys(extra)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}
