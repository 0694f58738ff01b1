// USER resolution: docker's rules for name/uid/group forms and its error texts; passwd and group read without leaving the rootfs, with bounds.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseGroup, parsePasswd, resolveInRoot, resolveUser, resolveUserIn } from '../../src/runtime/index.ts';
import type { BerthError } from '../../src/util/errors.ts';
import { GROUP, PASSWD } from './helpers.ts';

const passwd = parsePasswd(PASSWD);
const groups = parseGroup(GROUP);

describe('resolveUserIn', () => {
  const cases: [string, { uid: number; gid: number; additionalGids: number[]; name?: string; home: string }][] = [
    ['', { uid: 0, gid: 0, additionalGids: [0], name: 'root', home: '/root' }],
    ['root', { uid: 0, gid: 0, additionalGids: [0], name: 'root', home: '/root' }],
    ['alice', { uid: 1000, gid: 1000, additionalGids: [1000, 2000, 3000], name: 'alice', home: '/home/alice' }],
    ['1000', { uid: 1000, gid: 1000, additionalGids: [1000, 2000, 3000], name: 'alice', home: '/home/alice' }],
    ['bob', { uid: 1001, gid: 1001, additionalGids: [1001, 2000], name: 'bob', home: '/home/bob' }],
    ['alice:ops', { uid: 1000, gid: 3000, additionalGids: [3000], name: 'alice', home: '/home/alice' }],
    ['alice:4242', { uid: 1000, gid: 4242, additionalGids: [4242], name: 'alice', home: '/home/alice' }],
    ['1000:2000', { uid: 1000, gid: 2000, additionalGids: [2000], name: 'alice', home: '/home/alice' }],
    ['5555', { uid: 5555, gid: 0, additionalGids: [0], home: '/' }],
    ['5555:6666', { uid: 5555, gid: 6666, additionalGids: [6666], home: '/' }],
    ['nobody', { uid: 65534, gid: 65534, additionalGids: [65534], name: 'nobody', home: '/nonexistent' }],
  ];
  for (const [spec, want] of cases) {
    it(`USER '${spec}'`, () => assert.deepEqual(resolveUserIn(spec, passwd, groups), want));
  }

  it("gives docker's errors for unknown names", () => {
    assert.throws(() => resolveUserIn('mallory', passwd, groups), { message: 'unable to find user mallory: no matching entries in passwd file' });
    assert.throws(() => resolveUserIn('alice:nosuch', passwd, groups), { message: 'unable to find group nosuch: no matching entries in group file' });
    assert.throws(() => resolveUserIn('mallory', undefined, undefined), { message: 'unable to find user mallory: no matching entries in passwd file' });
    assert.throws(() => resolveUserIn('99999999999', passwd, groups), (e: BerthError) => e.code === 'INVALID_ARGUMENT');
  });

  it('works without passwd and group files for numeric users', () => {
    assert.deepEqual(resolveUserIn('7:8', undefined, undefined), { uid: 7, gid: 8, additionalGids: [8], home: '/' });
    assert.deepEqual(resolveUserIn('', undefined, undefined), { uid: 0, gid: 0, additionalGids: [0], home: '/' });
  });

  it('skips comments and malformed lines', () => {
    assert.deepEqual(parsePasswd('# c\nbad:x:notanumber:0::/:/bin/sh\n\nok:x:1:2::/h:/bin/sh'), [{ name: 'ok', uid: 1, gid: 2, home: '/h' }]);
    assert.deepEqual(parseGroup('g:x:5:a, b ,\nbad:x::'), [{ name: 'g', gid: 5, members: ['a', 'b'] }]);
  });
});

describe('resolveUser reads the rootfs, never the host', () => {
  let work: string;
  let rootfs: string;
  let hostDir: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'berth-rt-user-'));
    rootfs = path.join(work, 'rootfs');
    hostDir = path.join(work, 'host');
    await mkdir(path.join(rootfs, 'etc'), { recursive: true });
    await mkdir(hostDir);
    // A host file an image must not be able to point at: it names a user the rootfs lacks.
    await writeFile(path.join(hostDir, 'shadow'), 'mallory:x:4242:4242::/:/bin/sh\n');
    await writeFile(path.join(hostDir, 'group'), 'evil:x:4242:alice\n');
  });
  after(() => rm(work, { recursive: true, force: true }));

  async function etc(name: string, target: string | { text: string }): Promise<void> {
    const p = path.join(rootfs, 'etc', name);
    await unlink(p).catch(() => {});
    if (typeof target === 'string') await symlink(target, p);
    else await writeFile(p, target.text);
  }

  it('reads plain files', async () => {
    await etc('passwd', { text: PASSWD });
    await etc('group', { text: GROUP });
    assert.deepEqual((await resolveUser(rootfs, 'alice')).additionalGids, [1000, 2000, 3000]);
  });

  it('resolves an absolute symlink to a host path inside the rootfs instead', async () => {
    await etc('passwd', path.join(hostDir, 'shadow'));
    await etc('group', path.join(hostDir, 'group'));
    await assert.rejects(resolveUser(rootfs, 'mallory'), { message: 'unable to find user mallory: no matching entries in passwd file' });
    assert.deepEqual(await resolveUser(rootfs, '1000'), { uid: 1000, gid: 0, additionalGids: [0], home: '/' });
    // The same path inside the rootfs is what the container would see, so that one is read.
    await mkdir(path.join(rootfs, hostDir), { recursive: true });
    await writeFile(path.join(rootfs, hostDir, 'shadow'), 'inside:x:77:77::/in:/bin/sh\n');
    assert.deepEqual(await resolveUser(rootfs, 'inside'), { uid: 77, gid: 77, additionalGids: [77], name: 'inside', home: '/in' });
  });

  it("clamps relative symlinks' '..' at the rootfs", async () => {
    const up = '../'.repeat(30);
    await etc('passwd', `${up}${hostDir.slice(1)}/shadow`);
    await etc('group', `${up}${hostDir.slice(1)}/group`);
    assert.equal((await resolveInRoot(rootfs, '/etc/passwd')).path, path.join(rootfs, hostDir, 'shadow'));
    assert.deepEqual(await resolveUser(rootfs, 'inside'), { uid: 77, gid: 77, additionalGids: [77], name: 'inside', home: '/in' });
    await rm(path.join(rootfs, hostDir.split('/')[1]!), { recursive: true });
    await assert.rejects(resolveUser(rootfs, 'mallory'), /unable to find user mallory/);
  });

  it('refuses symlink loops, non-regular files and oversized files without reading them', async () => {
    await etc('passwd', '/etc/passwd');
    await assert.rejects(resolveUser(rootfs, 'alice'), (e: BerthError) => e.code === 'UNSAFE_PATH' && /symbolic links/.test(e.message));
    await etc('passwd', { text: PASSWD });
    await unlink(path.join(rootfs, 'etc', 'group'));
    execFileSync('mkfifo', [path.join(rootfs, 'etc', 'group')]); // would block a plain open()
    await assert.rejects(resolveUser(rootfs, 'alice'), (e: BerthError) => e.code === 'INVALID_IMAGE' && /not a regular file/.test(e.message));
    await unlink(path.join(rootfs, 'etc', 'group'));
    await writeFile(path.join(rootfs, 'etc', 'group'), '');
    await truncate(path.join(rootfs, 'etc', 'group'), 1024 ** 3); // sparse 1 GiB (CVE-2026-47262)
    await assert.rejects(resolveUser(rootfs, 'alice'), (e: BerthError) => e.code === 'INVALID_IMAGE' && /more than/.test(e.message));
  });
});
