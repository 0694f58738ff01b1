// RUN --mount end to end through the real CLI (runc, overlayfs): cache mounts (persistence, warm
// cache doing less work, never in a layer or the key, locked and private sharing proven with
// markers the steps write, builder prune), bind mounts from the context, a stage and an image (rw
// writes thrown away), tmpfs, ssh agent forwarding, per-step --network and --security, and mount
// targets behind a symlink out of the rootfs.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runcUnavailable } from '../runtime/helpers.ts';
import { flattenImage } from '../helpers/flatten.ts';
import { berth, build, describeBuild, REPO, waitFor, type Ran } from './e2e-helpers.ts';
import { assertFailed, assertOk, BUSYBOX, context, layerNames, outputOf, setUp, tearDown, topLayerNames, type Env } from './mount-helpers.ts';

const skip = runcUnavailable();

describe('RUN --mount (real CLI, runc, overlayfs)', { skip }, () => {
  let env: Env;
  before(async () => { env = await setUp('mounts'); });
  after(async () => { await tearDown(env); });

  describe('type=cache', () => {
    const FETCH = `FROM ${BUSYBOX}
ARG RUN=1
RUN --mount=type=cache,target=/var/cache/fetch sh -c 'if [ -f /var/cache/fetch/done ]; then echo "fetched 0"; else for i in $(seq 1 200); do echo $i > /var/cache/fetch/pkg$i; done; touch /var/cache/fetch/done; echo "fetched 200"; fi; ls /var/cache/fetch | wc -l > /count; echo run $RUN'
`;
    let ctx: string;
    before(async () => { ctx = await context(env, 'cache', { Dockerfile: FETCH }); });

    it('persists across builds: a warm cache does none of the work, and nothing of it is in the layer', async () => {
      const cold = await build(env.root, ['-t', 'm/cache:1', ctx]);
      assertOk(cold);
      assert.ok(outputOf(cold, 'RUN --mount').includes('fetched 200'), cold.stderr);
      const warm = await build(env.root, ['--build-arg', 'RUN=2', '-t', 'm/cache:2', ctx]);
      assertOk(warm);
      assert.ok(outputOf(warm, 'RUN --mount').includes('fetched 0'), `the second build fetched again:\n${warm.stderr}`);
      for (const ref of ['m/cache:1', 'm/cache:2']) {
        const names = await topLayerNames(env, ref);
        assert.deepEqual(names.filter((n) => n.startsWith('var')), [], `the cache mount (or its mount point) reached the layer of ${ref}: ${names.join(' ')}`);
        assert.ok(names.includes('count'), names.join(' '));
      }
    });

    it('the cache contents are not in the cache key: an unchanged step stays CACHED after the cache changed', async () => {
      const again = await build(env.root, ['-t', 'm/cache:1', ctx]);
      assertOk(again);
      assert.ok(again.steps.find((s) => s.text.startsWith('RUN --mount'))?.cached, `the step ran again:\n${again.stderr}`);
    });

    it('id shares a cache between targets; uid, gid and mode set up a new cache; ro refuses writes', async () => {
      const c = await context(env, 'cache-opts', {
        Dockerfile: `FROM ${BUSYBOX}
RUN --mount=type=cache,id=/var/cache/fetch,target=/elsewhere ls /elsewhere | wc -l > /shared-count
RUN --mount=type=cache,target=/owned,uid=1000,gid=1001,mode=0750 stat -c '%u %g %a' /owned > /owned-stat
RUN --mount=type=cache,target=/fresh stat -c '%u %g %a' /fresh > /fresh-stat
RUN --mount=type=cache,target=/var/cache/fetch,ro sh -c 'touch /var/cache/fetch/new 2>/dev/null && echo writable || echo read-only' > /ro
RUN --mount=type=cache,id=twice,target=/one,sharing=locked --mount=type=cache,id=twice,target=/two,sharing=locked sh -c 'echo x > /one/f; cat /two/f > /twice'
`,
      });
      const b = await build(env.root, ['-t', 'm/cache-opts:1', c]);
      assertOk(b);
      const out = await cat(env, 'm/cache-opts:1', ['/shared-count', '/owned-stat', '/fresh-stat', '/ro', '/twice']);
      assert.deepEqual(out, ['201', '1000 1001 750', '0 0 755', 'read-only', 'x']);
    });

    it('from= and source= seed a new cache from a stage', async () => {
      const c = await context(env, 'cache-from', {
        Dockerfile: `FROM ${BUSYBOX} AS seed
RUN mkdir -p /seed/sub && echo seeded > /seed/sub/file
FROM ${BUSYBOX}
RUN --mount=type=cache,target=/c,from=seed,source=/seed sh -c 'cat /c/sub/file > /got; echo more > /c/added'
RUN --mount=type=cache,target=/c,from=seed,source=/seed ls /c > /listed
`,
      });
      const b = await build(env.root, ['-t', 'm/cache-from:1', c]);
      assertOk(b);
      assert.deepEqual(await cat(env, 'm/cache-from:1', ['/got', '/listed']), ['seeded', 'added\nsub']);
    });

    it('sharing=locked: two concurrent builds take turns (each step\'s markers never interleave)', async () => {
      // Each step logs its start, waits for up to 3 s for another start to show up, then logs its end.
      // Shared, the two would interleave; locked, the second starts only after the first ended.
      const step = (who: string): string => `FROM ${BUSYBOX}
RUN --mount=type=cache,id=turns,target=/c,sharing=locked sh -c 'echo start-${who} >> /c/log; i=0; while [ $i -lt 30 ] && [ "$(grep -c start /c/log)" -lt 2 ]; do sleep 0.1; i=$((i+1)); done; echo end-${who} >> /c/log'
`;
      const a = await context(env, 'locked-a', { Dockerfile: step('a') });
      const b = await context(env, 'locked-b', { Dockerfile: step('b') });
      const [ra, rb] = await Promise.all([build(env.root, ['-t', 'm/locked-a:1', a]), build(env.root, ['-t', 'm/locked-b:1', b])]);
      assertOk(ra);
      assertOk(rb);
      const log = await readCache(env, 'turns', '/c/log');
      assert.ok(log === 'start-a\nend-a\nstart-b\nend-b' || log === 'start-b\nend-b\nstart-a\nend-a', `the locked steps overlapped:\n${log}`);
    });

    it('sharing=private: a concurrent user gets its own directory (a rendezvous proves they overlapped)', async () => {
      const step = (who: string, other: string): string => `FROM ${BUSYBOX}
RUN --mount=type=cache,id=rendezvous,target=/rv --mount=type=cache,id=priv,target=/p,sharing=private sh -c 'touch /p/${who} /rv/${who}; i=0; while [ $i -lt 600 ] && [ ! -f /rv/${other} ]; do sleep 0.1; i=$((i+1)); done; test -f /rv/${other} && ls /p | tr "\\n" " " > /rv/${who}-saw'
`;
      const a = await context(env, 'private-a', { Dockerfile: step('a', 'b') });
      const b = await context(env, 'private-b', { Dockerfile: step('b', 'a') });
      const [ra, rb] = await Promise.all([build(env.root, ['-t', 'm/private-a:1', a]), build(env.root, ['-t', 'm/private-b:1', b])]);
      assertOk(ra);
      assertOk(rb);
      assert.equal(await readCache(env, 'rendezvous', '/rv/a-saw'), 'a ');
      assert.equal(await readCache(env, 'rendezvous', '/rv/b-saw'), 'b ');
    });

    it('berth builder prune removes the cache mounts: the next build fetches again', async () => {
      const r = await berth(env.root, ['builder', 'prune', '-f']);
      assert.equal(r.code, 0, describeBuild(r));
      assert.equal(readdirSync(path.join(env.root, 'cache-mounts')).flatMap((k) => readdirSync(path.join(env.root, 'cache-mounts', k)).filter((n) => /^\d+$/.test(n))).length, 0);
      const b = await build(env.root, ['--build-arg', 'RUN=3', '-t', 'm/cache:3', ctx]);
      assertOk(b);
      assert.ok(outputOf(b, 'RUN --mount').includes('fetched 200'), b.stderr);
    });
  });

  describe('type=bind', () => {
    it('from the context (ignored files left out), read-only by default; rw writes are thrown away', async () => {
      const c = await context(env, 'bind-ctx', {
        'hello.txt': 'hello\n', 'ignored.txt': 'no\n', 'sub/deep.txt': 'deep\n', '.dockerignore': 'ignored.txt\n',
        Dockerfile: `FROM ${BUSYBOX}
RUN --mount=type=bind,target=/src sh -c 'cat /src/hello.txt /src/sub/deep.txt > /copied; ls -a /src | tr "\\n" " " > /listed; touch /src/x 2>/dev/null && echo writable > /ro || echo read-only > /ro'
RUN --mount=type=bind,source=sub,target=/sub,rw sh -c 'echo new > /sub/new; rm /sub/deep.txt; ls /sub | wc -l > /rw-count'
RUN --mount=type=bind,source=sub/deep.txt,target=/one.txt cat /one.txt > /single
`,
      });
      const b = await build(env.root, ['-t', 'm/bind:1', c]);
      assertOk(b);
      assert.deepEqual(await cat(env, 'm/bind:1', ['/copied', '/listed', '/ro', '/rw-count', '/single']),
        ['hello\ndeep', '. .. .dockerignore Dockerfile hello.txt sub ', 'read-only', '1', 'deep']);
      assert.ok(existsSync(path.join(c, 'sub', 'deep.txt')) && !existsSync(path.join(c, 'sub', 'new')), 'the rw mount wrote to the context');
      const names = await layerNames(env, 'm/bind:1');
      assert.deepEqual(names.filter((n) => /^(src|sub|one\.txt)(\/|$)/.test(n)), [], `mount points reached a layer: ${names.join(' ')}`);
      // The mounted content is in the key: an ignored file changing changes nothing, a mounted one runs the step again.
      writeFileSync(path.join(c, 'ignored.txt'), 'changed\n');
      const same = await build(env.root, ['-t', 'm/bind:2', c]);
      assertOk(same);
      assert.deepEqual(same.steps.filter((s) => s.text.startsWith('RUN') && !s.cached).map((s) => s.text), [], same.stderr);
      writeFileSync(path.join(c, 'hello.txt'), 'changed\n');
      const again = await build(env.root, ['-t', 'm/bind:3', c]);
      assertOk(again);
      assert.equal(again.steps.find((s) => s.text.startsWith('RUN --mount=type=bind,target=/src'))?.cached, false, again.stderr);
    });

    it('from a stage and from an image; rw writes stay out of both', async () => {
      const c = await context(env, 'bind-stage', {
        Dockerfile: `FROM ${BUSYBOX} AS build
RUN mkdir /out && echo built > /out/artifact
FROM ${BUSYBOX}
RUN --mount=type=bind,from=build,source=/out,target=/in,rw sh -c 'cat /in/artifact > /got; echo scribble > /in/artifact'
RUN --mount=type=bind,from=build,source=/out,target=/in cat /in/artifact > /got-again
RUN --mount=type=bind,from=${BUSYBOX},source=/bin/busybox,target=/opt/busybox /opt/busybox true && echo ran > /image-bind
`,
      });
      const b = await build(env.root, ['-t', 'm/bind-stage:1', c]);
      assertOk(b);
      assert.deepEqual(await cat(env, 'm/bind-stage:1', ['/got', '/got-again', '/image-bind']), ['built', 'built', 'ran']);
    });

    it('a missing source is an error naming the line', async () => {
      const c = await context(env, 'bind-missing', { Dockerfile: `FROM ${BUSYBOX}\nRUN --mount=type=bind,source=nope,target=/n true\n` });
      assertFailed(await build(env.root, [c]), /Dockerfile:2[\s\S]*nope/);
    });
  });

  it('mount options take the stage\'s variables; a relative target is under WORKDIR', async () => {
    const c = await context(env, 'expand', {
      Dockerfile: `FROM ${BUSYBOX}
ARG DIR=/cachedir
ENV SIZE=2m
WORKDIR /work
RUN --mount=type=cache,target=$DIR --mount=type=tmpfs,target=rel,size=$SIZE sh -c 'grep " /work/rel " /proc/mounts | grep -c size=2048k > /relcount; grep -c " /cachedir " /proc/mounts > /dircount'
`,
    });
    const b = await build(env.root, ['-t', 'm/expand:1', c]);
    assertOk(b);
    assert.deepEqual(await cat(env, 'm/expand:1', ['/relcount', '/dircount']), ['1', '1']);
  });

  it('type=tmpfs: a tmpfs of the given size, nothing of it in the layer', async () => {
    const c = await context(env, 'tmpfs', {
      Dockerfile: `FROM ${BUSYBOX}
RUN --mount=type=tmpfs,target=/scratch,size=1m sh -c 'grep " /scratch " /proc/mounts | cut -d" " -f3 > /fstype; echo x > /scratch/f; df -k /scratch | tail -1 | tr -s " " | cut -d" " -f2 > /size'
`,
    });
    const b = await build(env.root, ['-t', 'm/tmpfs:1', c]);
    assertOk(b);
    assert.deepEqual(await cat(env, 'm/tmpfs:1', ['/fstype', '/size']), ['tmpfs', '1024']);
    assert.deepEqual((await topLayerNames(env, 'm/tmpfs:1')).filter((n) => n.startsWith('scratch')), []);
  });

  describe('type=ssh', () => {
    let agent: ChildProcess | undefined;
    let sock: string;
    let tools: string;
    before(async () => {
      const dir = path.join(env.work, 'ssh');
      mkdirSync(dir);
      sock = path.join(dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      await waitFor('ssh-agent', () => existsSync(sock), 10_000);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-test-key', '-f', path.join(dir, 'key')]);
      execFileSync('ssh-add', [path.join(dir, 'key')], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      // The host's ssh-add and every library it loads (the loader too), run in busybox through the loader.
      tools = await context(env, 'ssh-ctx', { Dockerfile: '' });
      const ldd = execFileSync('ldd', ['/usr/bin/ssh-add'], { encoding: 'utf8' });
      for (const lib of [...ldd.matchAll(/(\/\S+\.so[^\s]*)/g)].map((m) => m[1]!)) copyFileSync(lib, path.join(tools, path.basename(lib)));
      copyFileSync('/usr/bin/ssh-add', path.join(tools, 'ssh-add'));
    });
    after(() => { agent?.kill(); });

    const sshAdd = (args: string): string => `/t/${'ld-linux-x86-64.so.2'} --library-path /t /t/ssh-add ${args}`;

    it('forwards the agent: ssh-add -l inside RUN lists the key; SSH_AUTH_SOCK points at the socket', async () => {
      writeFileSync(path.join(tools, 'Dockerfile'), `FROM ${BUSYBOX}
RUN --mount=type=bind,target=/t --mount=type=ssh sh -c 'echo "sock=$SSH_AUTH_SOCK"; stat -c "%a %u" $SSH_AUTH_SOCK; ${sshAdd('-l')}; ${sshAdd('-D')} || echo refused-removal'
`);
      const b = await build(env.root, ['--ssh', `default=${sock}`, tools]);
      assertOk(b);
      const out = outputOf(b, 'RUN --mount');
      assert.ok(out.includes('sock=/run/buildkit/ssh_agent.0'), out.join('\n'));
      assert.ok(out.includes('600 0'), out.join('\n'));
      assert.ok(out.some((l) => /ED25519/.test(l) && /berth-test-key/.test(l)), `ssh-add -l did not list the key:\n${out.join('\n')}`);
      assert.ok(out.includes('refused-removal'), out.join('\n'));
      const host = execFileSync('ssh-add', ['-l'], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8' });
      assert.match(host, /berth-test-key/, 'the step removed the key from the user\'s agent');
      assert.deepEqual((await topLayerNames(env, b.id!)).filter((n) => n.startsWith('run')), []);
    });

    it('`--ssh default` is $SSH_AUTH_SOCK; a required ssh mount without --ssh fails naming the line; an optional one is skipped', async () => {
      writeFileSync(path.join(tools, 'Dockerfile'), `FROM ${BUSYBOX}\nRUN --mount=type=ssh,id=mine,target=/agent,uid=1000,mode=0660 stat -c "%a %u" /agent\n`);
      const r = await build(env.root, ['--ssh', `mine=${sock}`, '--no-cache', tools]);
      assertOk(r);
      assert.ok(outputOf(r, 'RUN --mount').includes('660 1000'), r.stderr);
      writeFileSync(path.join(tools, 'Dockerfile'), `FROM ${BUSYBOX}\nRUN --mount=type=ssh,required test -S $SSH_AUTH_SOCK && echo yes\n`);
      const viaEnv = await berthWithEnv(env.root, ['build', '--progress', 'plain', '--no-cache', '--ssh', 'default', tools], { SSH_AUTH_SOCK: sock });
      assert.equal(viaEnv.code, 0, describeBuild(viaEnv));
      assert.match(viaEnv.stderr, /#\d+ \d+\.\d+ yes\n/);
      assertFailed(await build(env.root, ['--no-cache', tools]), /Dockerfile:2[\s\S]*no SSH key "default" forwarded/);
      writeFileSync(path.join(tools, 'Dockerfile'), `FROM ${BUSYBOX}\nRUN --mount=type=ssh sh -c 'test -e $SSH_AUTH_SOCK && echo mounted || echo skipped'\n`);
      const skipped = await build(env.root, ['--no-cache', tools]);
      assertOk(skipped);
      assert.ok(outputOf(skipped, 'RUN --mount').includes('skipped'), skipped.stderr);
    });
  });

  describe('RUN --network and --security', () => {
    it('--network=none has only loopback; --network=host needs --allow network.host and then sees the host\'s interfaces', async () => {
      const c = await context(env, 'network', {
        Dockerfile: `FROM ${BUSYBOX}\nRUN --network=none sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\\n" " "; echo' \nRUN --network=host sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\\n" " "; echo'\n`,
      });
      assertFailed(await build(env.root, [c]), /Dockerfile:3[\s\S]*network\.host is not allowed[\s\S]*--allow network\.host/);
      const b = await build(env.root, ['--no-cache', '--allow', 'network.host', c]);
      assertOk(b);
      assert.deepEqual(outputOf(b, 'RUN --network=none'), ['lo ']);
      const host = outputOf(b, 'RUN --network=host')[0]!.trim().split(' ');
      for (const name of Object.keys(networkInterfaces())) assert.ok(host.includes(name), `${name} missing from ${host.join(' ')}`);
    });

    it('--security=insecure needs --allow security.insecure and then runs with every capability', async () => {
      const c = await context(env, 'insecure', {
        Dockerfile: `FROM ${BUSYBOX}\nRUN --security=insecure grep CapEff /proc/self/status\nRUN grep CapEff /proc/self/status\n`,
      });
      assertFailed(await build(env.root, [c]), /Dockerfile:2[\s\S]*security\.insecure is not allowed/);
      const b = await build(env.root, ['--no-cache', '--allow', 'security.insecure', c]);
      assertOk(b);
      // Every capability berth itself holds (docker --privileged: the daemon's bounding set).
      const bound = /^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
      assert.deepEqual(outputOf(b, 'RUN --security'), [`CapEff:\t${bound}`]);
      assert.deepEqual(outputOf(b, 'RUN grep'), ['CapEff:\t00000000a80425fb']);
    });
  });

  it('a mount target behind a symlink out of the rootfs stays inside it; only the stubs berth made are removed', async () => {
    const outside = path.join(env.work, 'outside');
    mkdirSync(outside);
    const c = await context(env, 'symlink', {
      Dockerfile: `FROM ${BUSYBOX}
RUN ln -s ${outside} /evil && ln -s ../../../../../../../../../..${outside} /evil2 && mkdir /kept
RUN --mount=type=tmpfs,target=/evil/made --mount=type=tmpfs,target=/evil2/made2 --mount=type=tmpfs,target=/kept sh -c 'echo inside > /evil/made/f; ls -d /evil/made /evil2/made2 > /seen'
`,
    });
    const b = await build(env.root, ['-t', 'm/symlink:1', c]);
    assertOk(b);
    assert.deepEqual(readdirSync(outside), [], 'a mount point was created outside the rootfs');
    const top = await topLayerNames(env, 'm/symlink:1');
    assert.deepEqual(top.filter((n) => /made/.test(n)), [], `stubs left in the layer: ${top.join(' ')}`);
    assert.deepEqual(await cat(env, 'm/symlink:1', ['/seen']), ['/evil/made\n/evil2/made2']);
    assert.ok((await layerNames(env, 'm/symlink:1')).some((n) => n === 'kept/' || n === 'kept'), 'the existing /kept was removed');
  });
});

/** Contents of files of an image (trailing newline dropped), from its layers applied in a temp dir. */
async function cat(env: Env, ref: string, files: string[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(env.work, 'flat-'));
  try {
    const warnings = await flattenImage(env.root, ref, dir);
    assert.deepEqual(warnings, []);
    return files.map((f) => readFileSync(path.join(dir, f), 'utf8').replace(/\n$/, ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A file of a cache mount (its first instance), read from the store. */
async function readCache(env: Env, id: string, file: string): Promise<string> {
  const dir = path.join(env.root, 'cache-mounts');
  for (const key of readdirSync(dir)) {
    if (readFileSync(path.join(dir, key, 'id'), 'utf8').trim() !== id) continue;
    const p = path.join(dir, key, '0', file.split('/').slice(2).join('/'));
    return readFileSync(p, 'utf8').replace(/\n$/, '');
  }
  throw new Error(`no cache mount with id ${id}`);
}

/** berth with extra environment variables (startBerth passes the test's own). */
function berthWithEnv(root: string, args: string[], extra: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts'), '--root', root, ...args], {
      cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...extra },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}
