// The whole-build memo (src/api/build-memo.ts): a rebuild with nothing changed reuses the last
// image without running the engine and shows the same CACHED steps; anything the build read that
// changed — a file's bytes even with its mtime put back, the Dockerfile, a build arg, the base tag,
// a missing image, a pruned cache — sends it through the engine again, with the right result (after
// an rmi the same image, all CACHED: the build cache keeps its layers, as BuildKit's does).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { buildImage, listImages, pruneBuildCache, removeImages, type BuildEvent, type BuildImageOptions, type BuildImageResult } from '../../src/api/index.ts';
import { berth, describeBuild, importBusybox } from './e2e-helpers.ts';

const root = process.getuid?.() === 0;
let work: string;
let store: string;
let ctx: string;

/** The memo is not written while a context entry's ctime is within a second of the walk (racy): let the clock move on. */
const settle = (): Promise<void> => sleep(1100);

interface Run extends BuildImageResult { events: BuildEvent[] }

async function run(opts: Partial<BuildImageOptions> = {}): Promise<Run> {
  const events: BuildEvent[] = [];
  const r = await buildImage(store, { contextDir: ctx, tags: ['memo/app:1'], network: 'none', onEvent: (e) => events.push(e), ...opts });
  return { ...r, events };
}

/** Builds until a memo is recorded (a settled context), then checks the next build replays it. */
async function upToDateAgain(opts: Partial<BuildImageOptions> = {}): Promise<Run> {
  await settle();
  await run(opts);
  const r = await run(opts);
  assert.equal(r.upToDate, true, 'a settled context with nothing changed is up to date');
  return r;
}

/** Events as a progress view shows them (timings left out). */
const shown = (events: readonly BuildEvent[]): string[] =>
  events.map((e) => (e.type === 'step-start' ? `start ${e.id} ${e.stage} ${e.index}/${e.total} ${e.text}` : e.type === 'step-done' ? `done ${e.id}` : e.type === 'step-cached' ? `cached ${e.id}` : e.type === 'warning' ? `warning ${e.message}` : e.type));

before(async () => {
  if (!root) return;
  work = await mkdtemp(path.join(tmpdir(), 'berth-build-memo-'));
  store = path.join(work, 'store');
  ctx = path.join(work, 'ctx');
  await mkdir(path.join(ctx, 'src'), { recursive: true });
  await mkdir(path.join(ctx, 'ignored'));
  await writeFile(path.join(ctx, 'Dockerfile'), 'FROM memo/busybox:1\nARG FLAVOR=plain\nENV A=1\nCOPY src/ /app/\nRUN cat /app/a.txt > /copy && echo $FLAVOR >> /copy\nCMD ["sh"]\n');
  await writeFile(path.join(ctx, '.dockerignore'), 'ignored\n');
  await writeFile(path.join(ctx, 'src', 'a.txt'), 'alpha\n');
  await writeFile(path.join(ctx, 'ignored', 'log.txt'), 'x\n');
  await importBusybox(store, work, 'memo/busybox:1');
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the whole-build memo', { skip: root ? false : 'needs root (runc, overlay mounts)' }, () => {
  it('replays an unchanged build: same image, same CACHED steps as the engine shows, tags and --iidfile applied', async () => {
    const first = await run();
    assert.equal(first.upToDate, false);
    const replay = await upToDateAgain();
    assert.equal(replay.id, first.id);
    // The engine's own fully cached build, for comparison: without the memo files it runs.
    await rm(path.join(store, 'cache', 'builds'), { recursive: true });
    const engine = await run();
    assert.equal(engine.upToDate, false);
    assert.equal(engine.id, first.id);
    assert.ok(replay.events.some((e) => e.type === 'step-start' && e.text === 'COPY src/ /app/'), shown(replay.events).join('\n'));
    assert.deepEqual(shown(replay.events), shown(engine.events));

    const iid = path.join(work, 'iid');
    const tagged = await run({ tags: ['memo/other:2'], iidfile: iid });
    assert.equal(tagged.upToDate, true, 'tags are not part of the memo');
    assert.equal(await readFile(iid, 'utf8'), first.id);
    const images = await listImages(store);
    assert.ok(images.some((i) => i.id === first.id && i.repoTags.includes('memo/other:2')), JSON.stringify(images));
    // The CLI takes the same path and prints what docker prints.
    const cli = await berth(store, ['build', '-q', '--network', 'none', '-t', 'memo/app:1', ctx]);
    assert.equal(cli.code, 0, describeBuild(cli));
    assert.equal(cli.stdout.trim(), first.id);
  });

  it('a file whose bytes changed is seen even with its size and mtime put back; a touched file rebuilds nothing', async () => {
    const before = await upToDateAgain();
    const file = path.join(ctx, 'src', 'a.txt');
    const st = await stat(file);
    await writeFile(file, 'gamma\n');
    await utimes(file, st.atime, st.mtime);
    const changed = await run();
    assert.equal(changed.upToDate, false);
    assert.notEqual(changed.id, before.id);
    assert.ok(!changed.events.some((e) => e.type === 'step-cached' && e.id === '0/2'), 'the COPY ran');

    await upToDateAgain();
    await utimes(file, new Date(), new Date());
    const touched = await run();
    assert.equal(touched.upToDate, false, 'new metadata: the engine checks');
    assert.equal(touched.id, changed.id, 'and finds every step cached');
  });

  it('an ignored file changing keeps the build up to date; a new file in the context does not', async () => {
    const before = await upToDateAgain();
    await writeFile(path.join(ctx, 'ignored', 'log.txt'), 'y\n');
    const ignored = await run();
    assert.equal(ignored.upToDate, true, '.dockerignore keeps it out of what the build reads');
    assert.equal(ignored.id, before.id);
    await writeFile(path.join(ctx, 'src', 'b.txt'), 'beta\n');
    const added = await run();
    assert.equal(added.upToDate, false);
    assert.notEqual(added.id, before.id);
  });

  it('the Dockerfile, a build arg, the base tag and --no-cache each send the build through the engine', async () => {
    const base = await upToDateAgain();
    const withArg = await run({ buildArgs: { FLAVOR: 'spicy' } });
    assert.equal(withArg.upToDate, false);
    assert.notEqual(withArg.id, base.id);

    // --no-cache runs every step again and its step records replace the old ones: the next build
    // stands on them (the new image), not on the memo of before.
    await upToDateAgain();
    const noCache = await run({ noCache: true });
    assert.equal(noCache.upToDate, false);
    assert.notEqual(noCache.id, base.id, 'the RUN ran again (new timestamps)');
    const afterNoCache = await run();
    assert.equal(afterNoCache.upToDate, false);
    assert.equal(afterNoCache.id, noCache.id);

    await upToDateAgain();
    const dockerfile = path.join(ctx, 'Dockerfile');
    await writeFile(dockerfile, `${await readFile(dockerfile, 'utf8')}LABEL edited=yes\n`);
    const edited = await run();
    assert.equal(edited.upToDate, false);

    await upToDateAgain();
    // The base name now means another image (one more file in it).
    const other = path.join(work, 'other-base');
    await mkdir(other);
    await importBusybox(store, other, 'memo/busybox:1');
    const rebased = await run();
    assert.equal(rebased.upToDate, false);
    assert.notEqual(rebased.id, edited.id);
  });

  it('a removed image or a pruned build cache is built again, a torn memo is no memo', async () => {
    const before = await upToDateAgain();
    const removed = await removeImages(store, [before.id], { force: true });
    assert.equal(removed.errors.length, 0, removed.errors.map((e) => e.message).join('\n'));
    const again = await run();
    assert.equal(again.upToDate, false);
    // As after `docker rmi`: the build cache kept its layers, so every step is a hit and the image the same.
    assert.equal(again.id, before.id, shown(again.events).join('\n'));
    assert.ok(again.events.filter((e) => e.type === 'step-start').every((s) => again.events.some((e) => e.type === 'step-cached' && e.id === s.id)), shown(again.events).join('\n'));
    assert.ok((await listImages(store)).some((i) => i.id === before.id && i.repoTags.includes('memo/app:1')));

    await upToDateAgain();
    await pruneBuildCache(store);
    assert.deepEqual(await readdir(path.join(store, 'cache')).then((n) => n.includes('builds')), false);
    const pruned = await run();
    assert.equal(pruned.upToDate, false);

    const settled = await upToDateAgain();
    const memos = await readdir(path.join(store, 'cache', 'builds'));
    for (const m of memos) await writeFile(path.join(store, 'cache', 'builds', m), '{"v":1,"key');
    const torn = await run();
    assert.equal(torn.upToDate, false);
    assert.equal(torn.id, settled.id);
  });

  it('a Dockerfile whose ADD may fetch (a variable source) is never replayed; one that never reads the context ignores it', async () => {
    const fetching = path.join(work, 'fetching');
    await mkdir(fetching);
    await writeFile(path.join(fetching, 'Dockerfile'), 'FROM memo/busybox:1\nARG SRC=f.txt\nADD $SRC /f.txt\n');
    await writeFile(path.join(fetching, 'f.txt'), 'f\n');
    await settle();
    for (let i = 0; i < 3; i++) assert.equal((await run({ contextDir: fetching, tags: [] })).upToDate, false);

    const plain = path.join(work, 'no-context');
    await mkdir(plain);
    await writeFile(path.join(plain, 'Dockerfile'), 'FROM memo/busybox:1\nRUN echo hi > /hi\n');
    await settle();
    const first = await run({ contextDir: plain, tags: [] });
    await writeFile(path.join(plain, 'unrelated.txt'), 'changes nothing\n');
    const second = await run({ contextDir: plain, tags: [] });
    assert.equal(second.upToDate, true, 'the build never read its context');
    assert.equal(second.id, first.id);
  });
});
