// The OFD lock calls loaded straight from the addon's prebuild: exclusive and shared locks conflict
// across open file descriptions (also within one process), and closing a description releases them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { nativeLocks } from '../../src/store/native-locks.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'berth-native-locks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('native OFD locks', () => {
  it('exclude a second description until the first closes', async () => {
    const file = path.join(dir, 'a.lock');
    const a = await open(file, 'a+');
    const b = await open(file, 'a+');
    try {
      await nativeLocks().waitForLock(a.fd, 0, 1, { shared: false });
      assert.equal(nativeLocks().tryLock(b.fd, 0, 1, { shared: true }), false);
      assert.equal(nativeLocks().tryLock(b.fd, 1, 1, { shared: false }), true, 'another byte is free');
      let granted = false;
      const waiting = nativeLocks().waitForLock(b.fd, 0, 1, { shared: false }).then(() => (granted = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(granted, false, 'the wait ended while the lock was held');
      await a.close();
      await waiting;
      assert.equal(granted, true);
    } finally {
      await b.close();
      await a.close().catch(() => undefined);
    }
  });

  it('let shared holders share', async () => {
    const file = path.join(dir, 'b.lock');
    const a = await open(file, 'a+');
    const b = await open(file, 'a+');
    try {
      await nativeLocks().waitForLock(a.fd, 0, 1, { shared: true });
      assert.equal(nativeLocks().tryLock(b.fd, 0, 1, { shared: true }), true);
      const c = await open(file, 'a+');
      assert.equal(nativeLocks().tryLock(c.fd, 0, 1, { shared: false }), false);
      await c.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
