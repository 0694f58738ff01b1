// Real runc runs: exit codes, live output, env, cwd, stdin, USER from the rootfs, /etc files, mounts, clean rootfs, abort.

import assert from 'node:assert/strict';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { killContainer, resolveUser, runContainer, type RuntimeEvent } from '../../src/runtime/index.ts';
import type { BerthError } from '../../src/util/errors.ts';
import { assertNothingLeft, baseSpec, Capture, makeFixture, removeFixture, rootfsTree, run, runcUnavailable, type Fixture } from './helpers.ts';

const skip = runcUnavailable();

describe('runContainer (runc)', { skip }, () => {
  let fx: Fixture;
  let pristine: string[];
  before(async () => {
    fx = await makeFixture('run');
    pristine = await rootfsTree(fx.rootfs);
  });
  after(async () => {
    try {
      await assertNothingLeft(fx);
    } finally {
      await removeFixture(fx);
    }
  });

  it('propagates exit codes', async () => {
    assert.equal((await run(fx, 'exit 3')).exitCode, 3);
    assert.equal((await run(fx, 'true')).exitCode, 0);
  });

  it('kill signals the container from outside (its pid 1 ignores unhandled signals from inside)', async () => {
    const id = fx.id();
    const stdout = new Capture();
    const running = runContainer({ stateRoot: fx.stateRoot, id, spec: baseSpec(fx.rootfs, 'echo up; sleep 30'), stdout });
    while (!stdout.text.includes('up')) await delay(20);
    await killContainer({ stateRoot: fx.stateRoot }, id, 'KILL');
    assert.deepEqual(await running, { exitCode: 137 });
  });

  it('streams stdout and stderr while the process runs', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const script = 'for i in 1 2 3 4; do echo out$i; echo err$i >&2; sleep 0.25; done';
    const result = await runContainer({ stateRoot: fx.stateRoot, id: fx.id(), spec: baseSpec(fx.rootfs, script), stdout, stderr });
    const done = Date.now();
    assert.equal(result.exitCode, 0);
    assert.equal(stdout.text, 'out1\nout2\nout3\nout4\n');
    assert.equal(stderr.text, 'err1\nerr2\nerr3\nerr4\n');
    assert.ok(done - stdout.chunks[0]!.at >= 500, `first line arrived ${done - stdout.chunks[0]!.at} ms before the end`);
    assert.ok(done - stderr.chunks[0]!.at >= 500);
  });

  it('passes env, cwd and stdin as given', async () => {
    const r = await run(fx, 'echo "$FOO|$EMPTY|$PATH"; pwd; cat', { env: ['PATH=/bin', 'FOO=bar  baz', 'EMPTY='], cwd: '/etc' }, {
      stdin: Readable.from(['from stdin\n']),
    });
    assert.equal(r.stdout, 'bar  baz||/bin\n/etc\nfrom stdin\n');
    assert.equal((await run(fx, 'cat; echo end')).stdout, 'end\n', 'no stdin means /dev/null');
  });

  it('runs exec form as given, and reports a missing executable as a runtime error', async () => {
    const stdout = new Capture();
    const spec = { ...baseSpec(fx.rootfs, ''), args: ['/bin/echo', 'a  b', '$HOME'] };
    assert.equal((await runContainer({ stateRoot: fx.stateRoot, id: fx.id(), spec, stdout })).exitCode, 0);
    assert.equal(stdout.text, 'a  b $HOME\n');
    await assert.rejects(
      runContainer({ stateRoot: fx.stateRoot, id: fx.id(), spec: { ...spec, args: ['/nonexistent'] } }),
      (e: BerthError) => e.code === 'RUNTIME' && /nonexistent/.test(e.message),
    );
  });

  it('gives a terminal through the console shim: stdio on the pty, its size, stderr merged, input typed, resized, exit code kept', async () => {
    const script = 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-ttys; stty size; echo to-stderr >&2; read line; echo "got $line"; '
      + 'trap "stty size; exit 7" WINCH; echo waiting; while :; do sleep 0.05; done';
    const resize = new PassThrough();
    const stdin = new PassThrough();
    const stdout = new Capture();
    const stderr = new Capture();
    const running = runContainer({
      stateRoot: fx.stateRoot, id: fx.id(), spec: baseSpec(fx.rootfs, script, { terminal: true, consoleSize: { height: 33, width: 101 } }),
      stdin, stdout, stderr, resize,
    });
    // Typed once the shell reads: the terminal echoes input the moment it arrives.
    while (!stdout.text.includes('to-stderr')) await delay(20);
    stdin.write('typed\n');
    while (!stdout.text.includes('waiting')) await delay(20);
    resize.write('40 120\n');
    const result = await running;
    assert.equal(result.exitCode, 7);
    // The terminal echoes what was typed, and turns \n into \r\n as docker's tty output shows.
    assert.equal(stdout.text, '/dev/pts/0\r\nall-ttys\r\n33 101\r\nto-stderr\r\ntyped\r\ngot typed\r\nwaiting\r\n40 120\r\n');
    assert.equal(stderr.text, '');
  });

  it('runs as the USER resolved from the rootfs, supplementary groups included', async () => {
    const id = async (user: string): Promise<string> => {
      const resolved = await resolveUser(fx.rootfs, user);
      return (await run(fx, 'id', { user: resolved })).stdout.trim();
    };
    assert.equal(await id('alice'), 'uid=1000(alice) gid=1000(alice) groups=1000(alice),2000(devs),3000(ops)');
    assert.equal(await id('bob:ops'), 'uid=1001(bob) gid=3000(ops) groups=3000(ops)');
    assert.equal(await id('4000:4001'), 'uid=4000 gid=4001 groups=4001');
    assert.equal(await id(''), 'uid=0(root) gid=0(root) groups=0(root)');
    // A non-root user starts with no capabilities at all.
    const alice = await resolveUser(fx.rootfs, 'alice');
    assert.match((await run(fx, 'grep CapEff /proc/self/status', { user: alice })).stdout, /CapEff:\s+0000000000000000/);
  });

  it('enforces group-deny permissions through supplementary groups (CVE-2023-25173)', async () => {
    const secret = path.join(fx.rootfs, 'etc', 'devs-denied');
    await writeFile(secret, 'secret\n');
    await chown(secret, 0, 2000);
    await chmod(secret, 0o604); // others may read, group devs may not
    const alice = await resolveUser(fx.rootfs, 'alice');
    const r = await run(fx, 'cat /etc/devs-denied', { user: alice });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /Permission denied/);
    assert.equal((await run(fx, 'cat /etc/devs-denied', { user: { uid: 4000, gid: 4000, additionalGids: [4000] } })).stdout, 'secret\n');
    await run(fx, 'rm /etc/devs-denied');
  });

  it('provides resolv.conf, hosts and hostname read-only, and leaves no mount point in the rootfs', async () => {
    const r = await run(fx, 'cat /etc/hostname; grep berth-test /etc/hosts; cat /etc/resolv.conf; echo x >> /etc/hosts || echo refused', {});
    const host = await readFile('/etc/resolv.conf', 'utf8');
    assert.equal(r.stdout, `berth-test\n127.0.1.1\tberth-test\n${host}${host.endsWith('\n') ? '' : '\n'}refused\n`);
    assert.match(r.stderr, /Read-only file system/);
    assert.deepEqual(await rootfsTree(fx.rootfs), pristine, 'no /proc, /dev, /sys or /etc stubs left');
    // Caller-provided files are bound as they are.
    const own = path.join(fx.work, 'my-hosts');
    await writeFile(own, '10.9.8.7 db\n');
    assert.equal((await run(fx, 'cat /etc/hosts', { etcFiles: { hosts: own } })).stdout, '10.9.8.7 db\n');
  });

  it('honours bind and tmpfs mounts and a read-only rootfs, then removes their mount points', async () => {
    const data = path.join(fx.work, 'data');
    await mkdir(data, { recursive: true });
    await writeFile(path.join(data, 'f'), 'host data\n');
    const r = await run(fx, 'cat /data/f; touch /data/new 2>/dev/null || echo ro-bind; echo t > /scratch/t && cat /scratch/t; grep " /scratch " /proc/mounts', {
      mounts: [
        { type: 'bind', source: data, destination: '/data', readonly: true },
        { type: 'tmpfs', destination: '/scratch', size: 1024 * 1024 },
      ],
    });
    assert.match(r.stdout, /^host data\nro-bind\nt\ntmpfs \/scratch tmpfs rw,nosuid,nodev,relatime,size=1024k/);
    assert.deepEqual(await rootfsTree(fx.rootfs), pristine);
    const ro = await run(fx, 'touch /x 2>/dev/null || echo refused', { readonlyRootfs: true });
    assert.equal(ro.stdout, 'refused\n');
  });

  it('aborting kills the container and leaves no runc state, bundle or slirp4netns, at any moment', async () => {
    for (const network of ['none', 'isolated'] as const) {
      for (const after of [0, 30, 120, 400]) {
        const controller = new AbortController();
        const stdout = new Capture();
        const events: RuntimeEvent[] = [];
        const started = Date.now();
        const running = runContainer({
          stateRoot: fx.stateRoot,
          id: fx.id(),
          spec: baseSpec(fx.rootfs, 'echo started; sleep 30', { network }),
          stdout,
          signal: controller.signal,
          onEvent: (e) => events.push(e),
        });
        setTimeout(() => controller.abort(), after);
        await assert.rejects(running, { name: 'AbortError' }, `${network} after ${after} ms`);
        assert.ok(Date.now() - started < 6000, `abort took ${Date.now() - started} ms`);
        assert.ok(!events.some((e) => e.type === 'exited'));
        await assertNothingLeft(fx);
      }
    }
    const aborted = AbortSignal.abort();
    await assert.rejects(runContainer({ stateRoot: fx.stateRoot, spec: baseSpec(fx.rootfs, 'true'), signal: aborted }), { name: 'AbortError' });
  });
});
