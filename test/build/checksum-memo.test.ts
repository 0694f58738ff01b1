// The context's checksum memo (src/api/build-ports.ts): the first build writes the digests it
// read; a rebuild after editing a file or two of a large context hashes those again instead of
// rewriting every digest (the memo file is left as it was) and still builds the new content; once
// a build hashed a good share of the memo's files, the memo is rewritten with them.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildImage, type BuildEvent } from '../../src/api/index.ts';
import { archiveMember, blobFile, storedImage } from './image-helpers.ts';

const root = process.getuid?.() === 0;
let work: string;
let store: string;
let ctx: string;
const FILES = 80;

async function build(): Promise<{ id: string; copied: boolean }> {
  const events: BuildEvent[] = [];
  const r = await buildImage(store, { contextDir: ctx, tags: ['memo/ck:1'], network: 'none', onEvent: (e) => events.push(e) });
  const copy = events.find((e) => e.type === 'step-start' && e.text.startsWith('COPY'));
  const cached = events.some((e) => e.type === 'step-cached' && copy?.type === 'step-start' && e.id === copy.id);
  return { id: r.id, copied: !cached };
}

async function memoFile(): Promise<string> {
  const dir = path.join(store, 'cache', 'checksums');
  const names = await readdir(dir);
  assert.equal(names.length, 1, `one memo for the context: ${names.join(' ')}`);
  return path.join(dir, names[0]!);
}

before(async () => {
  if (!root) return;
  work = await mkdtemp(path.join(tmpdir(), 'berth-checksum-memo-'));
  store = path.join(work, 'store');
  ctx = path.join(work, 'ctx');
  await mkdir(path.join(ctx, 'src'), { recursive: true });
  await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY src/ /app/\n');
  for (let i = 0; i < FILES; i++) await writeFile(path.join(ctx, 'src', `f${i}.txt`), `file ${i}\n`);
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the checksum memo is rewritten only when that saves work', { skip: root ? false : 'needs root (the COPY writes files owned by root)' }, () => {
  it('first build writes it; one edited file is hashed again, not written back; many edited files are', async () => {
    const first = await build();
    assert.equal(first.copied, true);
    const file = await memoFile();
    const written = await readFile(file, 'utf8');
    assert.equal(Object.keys(JSON.parse(written) as object).length, FILES, 'a digest per file read');
    const writtenAt = (await stat(file, { bigint: true })).mtimeNs;

    await writeFile(path.join(ctx, 'src', 'f3.txt'), 'edited\n');
    const second = await build();
    assert.equal(second.copied, true, 'the edit is seen');
    assert.notEqual(second.id, first.id);
    const layers = (await storedImage(store, 'memo/ck:1')).manifest.layers;
    assert.equal(archiveMember(blobFile(store, layers.at(-1)!.digest), 'app/f3.txt').toString(), 'edited\n', 'the new content is in the layer');
    assert.equal(await readFile(file, 'utf8'), written, 'one new digest of 80: the memo is left as it was');
    assert.equal((await stat(file, { bigint: true })).mtimeNs, writtenAt);

    // The next build hashes f3 again (not in the memo) and gets the same image from the cache.
    const third = await build();
    assert.equal(third.id, second.id);
    assert.equal(third.copied, false, 'same content: the COPY is cached');

    for (let i = 0; i < 20; i++) await writeFile(path.join(ctx, 'src', `f${i}.txt`), `edited ${i}\n`);
    const fourth = await build();
    assert.equal(fourth.copied, true);
    const now = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    assert.ok(Object.keys(now).length > FILES, `20 new digests of 80 are worth a rewrite: ${Object.keys(now).length} entries`);
  });
});
