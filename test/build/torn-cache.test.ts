// The build cache's files (step records, the context checksum memo) are written without fsync: a
// crash may leave one empty or cut short, and the next build must take that for a miss, rebuild
// what it has to, and put a good file back.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, describeBuild, importBusybox, step } from './e2e-helpers.ts';

const root = process.getuid?.() === 0;
let work: string;
let store: string;
let context: string;

before(async () => {
  if (!root) return;
  work = await mkdtemp(path.join(tmpdir(), 'berth-torn-cache-'));
  store = path.join(work, 'store');
  context = path.join(work, 'ctx');
  await mkdir(context);
  await writeFile(path.join(context, 'Dockerfile'), 'FROM torn/busybox:1\nCOPY a.txt /srv/a.txt\nRUN cat /srv/a.txt > /srv/b.txt\n');
  await writeFile(path.join(context, 'a.txt'), 'hello\n');
  await importBusybox(store, work, 'torn/busybox:1');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).map((n) => path.join(dir, n));
}

describe('a torn build cache file is a miss', { skip: root ? false : 'needs root (runc, overlay mounts)' }, () => {
  it('empty or cut-short step records and checksum memo: the build reruns the steps and succeeds', async () => {
    const first = await build(store, ['-t', 'torn/app', context]);
    assert.equal(first.code, 0, describeBuild(first));
    const memos = await filesIn(path.join(store, 'cache', 'checksums'));
    const records = await filesIn(path.join(store, 'cache', 'steps'));
    assert.ok(memos.length > 0 && records.length > 0, 'the first build left a memo and step records');
    for (const f of memos) await writeFile(f, (await readFile(f, 'utf8')).slice(0, 10));
    for (const [i, f] of records.entries()) await writeFile(f, i % 2 === 0 ? '' : '{"state":{"config"');

    const second = await build(store, ['-t', 'torn/app', context]);
    assert.equal(second.code, 0, describeBuild(second));
    assert.equal(step(second, 'COPY a.txt').cached, false, 'a torn record is not a hit');
    for (const f of await filesIn(path.join(store, 'cache', 'checksums'))) JSON.parse(await readFile(f, 'utf8'));

    const third = await build(store, ['-t', 'torn/app', context]);
    assert.equal(third.code, 0, describeBuild(third));
    assert.ok(third.steps.filter((s) => /^(COPY|RUN)/.test(s.text)).every((s) => s.cached), `fully cached again:\n${third.stderr}`);
  });
});
