// Several real berth processes on one store (test/store/fixtures/worker.ts): no lost refs update,
// writers never lose blobs to a concurrent GC, SIGKILL at random moments leaves a consistent store,
// and a dead process's locks are released by the kernel.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempOwner } from '../../src/util/atomic-file.ts';
import { Store } from '../../src/store/index.ts';
import { checkStore, killStragglers, listTemp, runTogether, sleep, spawnWorker, tempRoot } from './helpers.ts';

describe('store under concurrent processes', { concurrency: 1 }, () => {
  after(killStragglers);

  it('8 processes adding 20 tagged images each lose no update', { timeout: 240_000 }, async (t) => {
    const root = await tempRoot(t, { memory: true });
    await Store.open(root);
    const results = await runTogether<{ added?: number; reads?: number; errors?: string[] }>(root, [
      ...Array.from({ length: 8 }, (_, n) => ({ op: 'add-images', opts: { prefix: `p${n}`, count: 20 } })),
      { op: 'reader-loop', opts: { ms: 1500 } },
    ]);
    const reader = results.pop()!;
    assert.deepEqual(results.map((r) => r.added), Array(8).fill(20));
    // A reader parsing refs.json all along never saw a torn document.
    assert.deepEqual(reader.errors, []);
    assert.ok(reader.reads! > 0);

    const doc = JSON.parse(await readFile(path.join(root, 'refs.json'), 'utf8')) as { tags: Record<string, string>; images: Record<string, unknown> };
    const expected = Array.from({ length: 8 }, (_, n) => Array.from({ length: 20 }, (__, i) => `p${n}:${i}`)).flat().sort();
    assert.deepEqual(Object.keys(doc.tags).sort(), expected);
    assert.equal(Object.keys(doc.images).length, 160);
    const check = await checkStore(root);
    assert.deepEqual(check.problems, []);
    // 160 manifests, configs and unique layers, plus the 4 layers they share, each stored once.
    assert.equal(check.blobs, 160 * 3 + 4);
    assert.deepEqual(await listTemp(root), []);
  });

  it('writers never lose a blob to a garbage collector running in a loop', { timeout: 240_000 }, async (t) => {
    const root = await tempRoot(t, { memory: true });
    await Store.open(root);
    const ms = 3000;
    type W = { added: number; errors: string[]; runs: number; removed: number };
    const [a, b, careless, gc] = await runTogether<W>(root, [
      { op: 'writer-loop', opts: { prefix: 'a', ms } },
      { op: 'writer-loop', opts: { prefix: 'b', ms } },
      { op: 'writer-loop', opts: { prefix: 'c', ms, careful: false } },
      { op: 'gc-loop', opts: { ms } },
    ]);
    t.diagnostic(`writers added ${a!.added}+${b!.added}+${careless!.added} images (the careless one failed cleanly ${careless!.errors.length} times); gc ran ${gc!.runs} times, removed ${gc!.removed} blobs`);
    assert.deepEqual(a!.errors, []);
    assert.deepEqual(b!.errors, []);
    // A writer that does not hold store.write() across put and addImage may see its blobs
    // collected in between; it must then fail cleanly (never record an image with missing blobs).
    for (const e of careless!.errors) assert.match(e, /^(NOT_FOUND|INVALID_IMAGE): .*(not in the store|not stored)/);
    assert.ok(a!.added > 0 && b!.added > 0, 'the writers made progress');
    assert.ok(gc!.runs > 0 && gc!.removed > 0, 'the collector ran and found garbage');

    const check = await checkStore(root);
    assert.deepEqual(check.problems, []);
    // Each writer keeps its two newest images.
    assert.equal(check.images, 6);
    const store = await Store.open(root);
    await store.collectGarbage();
    const after = await checkStore(root);
    assert.deepEqual(after.problems, []);
    // Only what the six images reach is left.
    const reachable = new Set<string>();
    for (const img of await store.images()) {
      const m = JSON.parse((await store.blobs.read(img.manifest)).toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
      for (const d of [img.manifest, m.config.digest, ...m.layers.map((l) => l.digest)]) reachable.add(d);
    }
    assert.deepEqual((await store.blobs.list()).sort(), [...reachable].sort());
  });

  it('SIGKILL at random moments leaves a store that opens clean', { timeout: 240_000 }, async (t) => {
    // Three lanes (own roots) of five kills each, so the 15 process start-ups overlap.
    let leftovers = 0;
    let kills = 0;
    const lane = async (n: number): Promise<void> => {
      const root = await tempRoot(t, { memory: true });
      for (let k = 0; k < 5; k++) {
        const w = spawnWorker(root, 'kill-target');
        await w.line((l) => l === 'ready');
        await sleep(20 + Math.floor(Math.random() * 280));
        w.child.kill('SIGKILL');
        const r = await w.exited; // reaped: its pid is no longer alive
        assert.equal(r.signal, 'SIGKILL', `lane ${n} kill ${k}: the worker died on its own\n${r.stderr}`);
        kills++;
        const pid = w.child.pid!;
        if ((await listTemp(root)).some((f) => tempOwner(f) === pid)) leftovers++;

        const store = await Store.open(root);
        assert.deepEqual((await listTemp(root)).filter((f) => tempOwner(f) === pid), [], 'temp files of the dead writer remain');
        assert.deepEqual(await listTemp(root), []);
        const check = await checkStore(root);
        assert.deepEqual(check.problems, [], `lane ${n} after kill ${k}`);
        await store.images(); // refs.json parses through the store too
      }
      // The store is still fully usable: collect and check once more.
      const store = await Store.open(root);
      await store.collectGarbage();
      assert.deepEqual((await checkStore(root)).problems, []);
    };
    await Promise.all([0, 1, 2].map(lane));
    t.diagnostic(`${kills} kills, ${leftovers} left temp files behind that open removed`);
  });

  for (const range of ['gc', 'refs'] as const) {
    it(`the ${range} lock of a SIGKILLed holder is released at once`, { timeout: 120_000 }, async (t) => {
      const root = await tempRoot(t, { memory: true });
      const store = await Store.open(root);
      const holder = spawnWorker(root, 'hold-lock', { range, mode: 'exclusive' });
      await holder.line((l) => l === 'locked');

      let acquiredAt = 0;
      const acquired = store.locks.with(range, 'exclusive', async () => { acquiredAt = Date.now(); });
      await sleep(300);
      assert.equal(acquiredAt, 0, 'the lock was granted while another process held it');
      const killedAt = Date.now();
      holder.child.kill('SIGKILL');
      await Promise.race([acquired, sleep(1000)]);
      assert.ok(acquiredAt > 0, 'the lock was not released within a second of the kill');
      t.diagnostic(`acquired ${acquiredAt - killedAt} ms after the kill`);
      await acquired;
      await holder.exited;
    });
  }
});
