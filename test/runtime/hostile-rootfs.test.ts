// Hostile base rootfs (reliability.md (e) 30): symlinked /proc, /dev and /etc/hosts must not let a run touch host paths.

import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BerthError } from '../../src/util/errors.ts';
import { assertNothingLeft, makeFixture, removeFixture, run, runcUnavailable, type Fixture } from './helpers.ts';

const skip = runcUnavailable();

describe('hostile rootfs', { skip }, () => {
  let fx: Fixture;
  let hostDir: string;
  before(async () => {
    fx = await makeFixture('hostile');
    hostDir = path.join(fx.work, 'host');
    await mkdir(hostDir);
    await writeFile(path.join(hostDir, 'unbroken'), 'sentinel\n');
  });
  after(async () => {
    try {
      await assertNothingLeft(fx);
    } finally {
      await removeFixture(fx);
    }
  });

  async function sentinelIntact(): Promise<void> {
    assert.deepEqual(await readdir(hostDir), ['unbroken']);
    assert.equal(await readFile(path.join(hostDir, 'unbroken'), 'utf8'), 'sentinel\n');
  }

  for (const name of ['proc', 'dev', 'sys']) {
    it(`refuses a rootfs whose /${name} is a symlink to a host directory`, async () => {
      const link = path.join(fx.rootfs, name);
      await symlink(`/../../..${hostDir}`, link);
      try {
        await assert.rejects(run(fx, 'true'), (e: BerthError) => e.code === 'UNSAFE_PATH' && e.message.includes(`/${name} is a symlink`));
      } finally {
        await rm(link);
      }
      await sentinelIntact();
    });
  }

  it('binds /etc/hosts through a symlink to a host path inside the rootfs, and keeps the symlink', async () => {
    const hosts = path.join(fx.rootfs, 'etc', 'hosts');
    const target = `/../../..${hostDir}/unbroken`;
    await symlink(target, hosts);
    const r = await run(fx, 'cat /etc/hosts; echo x > /etc/hosts || echo refused');
    assert.match(r.stdout, /127\.0\.0\.1\tlocalhost\n[\s\S]*refused\n$/);
    await sentinelIntact();
    assert.ok((await lstat(hosts)).isSymbolicLink());
    assert.equal(await readlink(hosts), target);
    // The mount point runc made for it, inside the rootfs, is gone again.
    await assert.rejects(lstat(path.join(fx.rootfs, fx.work.split('/')[1]!)), { code: 'ENOENT' });
    await rm(hosts);
  });
});
