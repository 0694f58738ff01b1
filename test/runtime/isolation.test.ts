// Docker-default isolation asserted from inside the container (reliability.md (e)): capabilities, namespaces, masked and read-only paths, devices, seccomp, fds.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { assertNothingLeft, makeFixture, removeFixture, run, runcUnavailable, type Fixture } from './helpers.ts';

const skip = runcUnavailable();

describe('isolation from inside the container', { skip }, () => {
  let fx: Fixture;
  const marker = `/tmp/berth-host-marker-${randomBytes(6).toString('hex')}`;
  before(async () => {
    fx = await makeFixture('iso');
    await writeFile(marker, 'host only\n');
  });
  after(async () => {
    await rm(marker, { force: true });
    try {
      await assertNothingLeft(fx);
    } finally {
      await removeFixture(fx);
    }
  });

  it("has docker's capability sets: CapBnd/CapPrm/CapEff 00000000a80425fb, nothing inheritable or ambient", async () => {
    const caps = Object.fromEntries(
      (await run(fx, 'grep ^Cap /proc/self/status')).stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/:\s+/)),
    );
    assert.deepEqual(caps, {
      CapInh: '0000000000000000',
      CapPrm: '00000000a80425fb',
      CapEff: '00000000a80425fb',
      CapBnd: '00000000a80425fb',
      CapAmb: '0000000000000000',
    });
  });

  it('sees neither host files nor host processes nor the host name; the step is pid 1', async () => {
    const r = await run(fx, `test -e ${marker} && echo visible; echo $$; echo $(ls /proc | grep '^[0-9]'); hostname; cat /proc/sys/kernel/hostname`);
    const [pid, processes, name, kernelName] = r.stdout.trim().split('\n');
    assert.equal(pid, '1');
    const pids = processes!.split(' ').map(Number);
    assert.ok(pids.includes(1) && pids.every((p) => p < 10), `only the step's own processes: ${processes}`);
    assert.equal(name, 'berth-test');
    assert.equal(kernelName, 'berth-test');
    assert.notEqual(name, hostname());
    assert.ok(!r.stdout.includes('visible'));
  });

  it('cannot write /proc/sys or /proc/sysrq-trigger, and cannot unmount the protections', async () => {
    const r = await run(fx, [
      'echo 1 > /proc/sys/kernel/sysrq && echo wrote-sysrq',
      'echo 0 > /proc/sys/net/ipv4/ip_forward && echo wrote-ipv4',
      'echo h > /proc/sysrq-trigger && echo wrote-trigger',
      'umount /proc/keys && echo unmounted',
      'true',
    ].join('; '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Read-only file system/);
  });

  it('masks /proc/kcore, /proc/keys, /proc/timer_list and /sys/firmware', async () => {
    const r = await run(fx, 'for f in /proc/kcore /proc/keys /proc/timer_list; do test -e $f && wc -c < $f; done; ls -A /sys/firmware | wc -l');
    for (const count of r.stdout.trim().split('\n')) assert.equal(count.trim(), '0');
  });

  it('has only the standard devices, and a node made with mknod cannot be opened', async () => {
    const r = await run(fx, 'find /dev -maxdepth 1 -type c | sort; mknod /sda b 8 0 && head -c1 /sda; rm -f /sda');
    const [devices, error] = [r.stdout.trim().split('\n'), r.stderr];
    assert.deepEqual(devices, ['/dev/full', '/dev/null', '/dev/random', '/dev/tty', '/dev/urandom', '/dev/zero']);
    assert.match(error, /Operation not permitted/);
  });

  it('runs under seccomp: no new namespaces, no mounts, no keyrings', async () => {
    const r = await run(fx, [
      'grep ^Seccomp: /proc/self/status',
      'unshare -U true && echo userns',
      'unshare -m true && echo mountns',
      'unshare -n true && echo netns',
      'mkdir -p /mnt; mount -t tmpfs t /mnt && echo mounted',
      'true',
    ].join('; '));
    assert.equal(r.stdout.trim(), 'Seccomp:\t2');
    assert.match(r.stderr, /Operation not permitted/);
  });

  it('passes no host file descriptors beyond stdio (CVE-2024-21626)', async () => {
    const fds = (await run(fx, 'ls /proc/self/fd')).stdout.trim().split('\n');
    // 0-2 and the directory ls is reading.
    assert.ok(fds.length <= 4 && ['0', '1', '2'].every((f) => fds.includes(f)), fds.join(' '));
    const r = await run(fx, 'cat ../../../etc/hostname', { cwd: '/proc/self/fd/7' }).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
    assert.ok(r.exitCode !== 0 || r.stdout === 'berth-test\n', r.stdout);
  });

  it('sets RLIMIT_NOFILE like docker (capped by what this process may grant)', async () => {
    const soft = Number((await run(fx, 'ulimit -n')).stdout.trim());
    assert.ok(soft === 1048576 || soft >= 1024, String(soft));
  });
});
