// The registry hint files (registry/sources.json: where a blob came from, for cross-repository
// mounts) are read, changed and written under the store's hints lock: many pulls and pushes
// recording at once lose no entry.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readSources, recordSources } from '../../src/api/registry-common.ts';
import { Store } from '../../src/store/index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-hints-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('registry hint files', () => {
  it('twelve concurrent recordings of different blobs all land in sources.json', async () => {
    const store = await Store.open(path.join(work, 'root'));
    const blobs = await Promise.all(Array.from({ length: 12 }, (_, i) => store.blobs.put(Buffer.from(`blob ${i}`))));
    await Promise.all(blobs.map((b, i) => recordSources(store, `127.0.0.1:5000/repo-${i}`, [b.digest])));
    const doc = JSON.parse(readFileSync(path.join(store.layout.root, 'registry', 'sources.json'), 'utf8')) as Record<string, string[]>;
    assert.deepEqual(Object.keys(doc).sort(), blobs.map((b) => b.digest).sort());
    blobs.forEach((b, i) => assert.deepEqual(doc[b.digest], [`127.0.0.1:5000/repo-${i}`]));
    // The same blob from several repositories: all kept, newest first, at most eight.
    await Promise.all(Array.from({ length: 5 }, (_, i) => recordSources(store, `127.0.0.1:5000/more-${i}`, [blobs[0]!.digest])));
    const names = (await readSources(store))[blobs[0]!.digest]!;
    assert.equal(names.length, 6);
    assert.deepEqual(new Set(names), new Set(['127.0.0.1:5000/repo-0', ...Array.from({ length: 5 }, (_, i) => `127.0.0.1:5000/more-${i}`)]));
  });
});
