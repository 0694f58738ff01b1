// COPY --link, --parents and --exclude end to end through the CLI (busybox base, real runc and
// overlayfs): a --link layer holds only what it copied, is reused as it is (CACHED, same blob) when
// the base changes and lands on the new base's layers; --parents keeps source directories (with the
// `/./` pivot); --exclude filters what is copied and is part of the cache key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runcUnavailable } from '../runtime/helpers.ts';
import { build, layerBlobs, step } from './e2e-helpers.ts';
import { assertBuilt as ok, Workspace } from './fixture-builds.ts';

const BUSYBOX = 'copyflags/busybox:1';
const skip = runcUnavailable();

/** Names in a layer blob (tar, gzip or zstd), directories with a trailing slash, without "./". */
function layerNames(blob: string): string[] {
  const text = execFileSync('sh', ['-c', 'f="$1"; (zstd -dc "$f" 2>/dev/null || gzip -dc "$f" 2>/dev/null || cat "$f") | tar -tf -', 'sh', blob], { encoding: 'utf8' });
  return text.split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, '')).filter((n) => n !== '' && n !== './').sort();
}

describe('COPY --link, --parents, --exclude', { skip, concurrency: false }, () => {
  let ws: Workspace;
  let root: string;

  before(async () => {
    ws = await Workspace.create('copyflags', BUSYBOX);
    root = ws.root;
  });
  after(async () => ws?.dispose());
  const context = (files: Record<string, string>, dockerfile: string): Promise<string> => ws.context(dockerfile, files);
  const rootfs = (tag: string): Promise<string> => ws.rootfs(tag);
  const read = (fs: string, p: string): string => readFileSync(path.join(fs, p), 'utf8');

  it('--link: the layer holds just the copy, and a new base reuses it unchanged on top of its own layers', async () => {
    // The base, twice: the tag moves to a different image between the two builds.
    const baseCtx = await context({}, `FROM ${BUSYBOX}\nRUN mkdir -p /opt/real && ln -s /opt/real /opt/link && echo one > /base-marker\n`);
    ok(await build(root, ['-t', 'copyflags/base:1', baseCtx]));
    const ctx = await context({ 'app/a.txt': 'A\n', 'app/sub/b.txt': 'B\n', 'f.txt': 'F\n' },
      'FROM copyflags/base:1\nCOPY --link app/ /srv/app/\nCOPY --link f.txt /opt/link/f.txt\nCOPY f.txt /plain.txt\n');
    const first = await build(root, ['-t', 'copyflags/link:1', ctx]);
    ok(first);
    const firstLayers = await layerBlobs(root, 'copyflags/link:1');
    const baseLayers1 = await layerBlobs(root, 'copyflags/base:1');
    assert.deepEqual(firstLayers.slice(0, baseLayers1.length), baseLayers1);
    const linked = firstLayers[baseLayers1.length]!;
    // Parent directories are created in the empty directory the copy went to, as BuildKit's
    // copy into scratch does; nothing of the base is in the layer.
    assert.deepEqual(layerNames(linked), ['srv/', 'srv/app/', 'srv/app/a.txt', 'srv/app/sub/', 'srv/app/sub/b.txt']);
    // A symlink in the destination's parents is not followed (there is none in the empty
    // directory): the layer has opt/link as a directory, which hides the base's symlink.
    assert.deepEqual(layerNames(firstLayers[baseLayers1.length + 1]!), ['opt/', 'opt/link/', 'opt/link/f.txt']);
    let fs = await rootfs('copyflags/link:1');
    assert.equal(lstatSync(path.join(fs, 'opt/link')).isDirectory(), true);
    assert.equal(read(fs, 'opt/link/f.txt'), 'F\n');

    const base2 = await context({}, `FROM ${BUSYBOX}\nRUN mkdir -p /opt/real && ln -s /opt/real /opt/link && echo two > /base-marker\n`);
    ok(await build(root, ['-t', 'copyflags/base:1', base2]));
    const second = await build(root, ['-t', 'copyflags/link:2', ctx]);
    ok(second);
    assert.equal(step(second, 'COPY --link app/').cached, true, `the linked copy ran again:\n${second.stderr}`);
    assert.equal(step(second, 'COPY --link f.txt').cached, true, second.stderr);
    assert.equal(step(second, 'COPY f.txt').cached, false, 'a plain COPY depends on its parent');
    const secondLayers = await layerBlobs(root, 'copyflags/link:2');
    const baseLayers2 = await layerBlobs(root, 'copyflags/base:1');
    assert.notDeepEqual(baseLayers2, baseLayers1);
    assert.deepEqual(secondLayers.slice(0, baseLayers2.length), baseLayers2, 'the new base layers come first');
    assert.equal(secondLayers[baseLayers2.length], linked, 'the same --link layer blob, rebased');
    fs = await rootfs('copyflags/link:2');
    assert.equal(read(fs, 'base-marker'), 'two\n');
    assert.equal(read(fs, 'srv/app/sub/b.txt'), 'B\n');
  });

  it('--link with a --chown name resolves it in the base; --link with --chmod copies as a plain COPY (BuildKit links only without --chmod)', async () => {
    const ctx = await context({ 'f.txt': 'F\n' }, `FROM ${BUSYBOX}\nCOPY --link --chown=nobody f.txt /owned.txt\nCOPY --link --chmod=0700 f.txt /x/moded.txt\n`);
    ok(await build(root, ['-t', 'copyflags/linkown:1', ctx]));
    const fs = await rootfs('copyflags/linkown:1');
    const passwd = read(fs, 'etc/passwd');
    const nobody = /^nobody:[^:]*:(\d+):(\d+):/m.exec(passwd);
    assert.ok(nobody, passwd);
    const st = lstatSync(path.join(fs, 'owned.txt'));
    assert.deepEqual([st.uid, st.gid], [Number(nobody[1]), Number(nobody[2])]);
    // BuildKit creates the missing parents of a copy with the --chown owner; in the empty
    // directory of a --link copy every parent is missing, so the linked layer's /home/nobody/
    // and /home/ carry it and replace the base's directories in the image.
    const parents = await context({ 'f.txt': 'F\n' }, `FROM ${BUSYBOX}\nRUN mkdir -p /home && chown 0:0 /home\nCOPY --link --chown=1234:5678 f.txt /home/u/f.txt\n`);
    ok(await build(root, ['-t', 'copyflags/linkown:2', parents]));
    const home = lstatSync(path.join(await rootfs('copyflags/linkown:2'), 'home'));
    assert.deepEqual([home.uid, home.gid], [1234, 5678]);
    assert.equal(lstatSync(path.join(fs, 'x/moded.txt')).mode & 0o777, 0o700);
  });

  it('--link --from=stage copies another stage\'s files into a layer of their own', async () => {
    const ctx = await context({}, `FROM ${BUSYBOX} AS build\nRUN mkdir /out && echo built > /out/bin.txt\nFROM ${BUSYBOX}\nCOPY --link --from=build /out/ /app/\n`);
    ok(await build(root, ['-t', 'copyflags/linkfrom:1', ctx]));
    const layers = await layerBlobs(root, 'copyflags/linkfrom:1');
    assert.deepEqual(layerNames(layers.at(-1)!), ['app/', 'app/bin.txt']);
    assert.equal(read(await rootfs('copyflags/linkfrom:1'), 'app/bin.txt'), 'built\n');
  });

  it('--parents keeps the source directories, from the context root or from a /./ pivot', async () => {
    const ctx = await context({ 'x/a.txt': 'xa\n', 'y/a.txt': 'ya\n', 'src/lib/one.js': '1\n', 'src/lib/deep/two.js': '2\n', 'src/lib/skip.md': 'md\n' },
      `FROM ${BUSYBOX}\nCOPY --parents x/a.txt y/a.txt /p/\nCOPY --parents ./src/./lib/**/*.js /pivot/\n`);
    ok(await build(root, ['-t', 'copyflags/parents:1', ctx]));
    const fs = await rootfs('copyflags/parents:1');
    assert.equal(read(fs, 'p/x/a.txt'), 'xa\n');
    assert.equal(read(fs, 'p/y/a.txt'), 'ya\n');
    assert.equal(read(fs, 'pivot/lib/one.js'), '1\n');
    assert.equal(read(fs, 'pivot/lib/deep/two.js'), '2\n');
    assert.throws(() => lstatSync(path.join(fs, 'pivot/lib/skip.md')));
    assert.throws(() => lstatSync(path.join(fs, 'pivot/src')), 'the part before /./ is not kept');
  });

  it('--exclude filters sources (several patterns, ! exceptions) and is in the cache key', async () => {
    const files = { 'app/main.js': 'm\n', 'app/test/t.js': 't\n', 'app/README.md': 'r\n', 'app/docs/keep.md': 'k\n', 'top.log': 'l\n', 'top.txt': 'x\n' };
    const ctx = await context(files, `FROM ${BUSYBOX}\nCOPY --exclude=test --exclude=*.md --exclude=!docs/keep.md app /app\nCOPY --exclude=*.log top.* /top/\n`);
    const b = await build(root, ['-t', 'copyflags/exclude:1', ctx]);
    ok(b);
    const fs = await rootfs('copyflags/exclude:1');
    assert.equal(read(fs, 'app/main.js'), 'm\n');
    assert.equal(read(fs, 'app/docs/keep.md'), 'k\n');
    for (const gone of ['app/test', 'app/README.md', 'top/top.log']) assert.throws(() => lstatSync(path.join(fs, gone)), gone);
    assert.equal(read(fs, 'top/top.txt'), 'x\n');
    // A change to an excluded file keeps the cache; another pattern is another step.
    await writeFile(path.join(ctx, 'app/README.md'), 'changed\n');
    const again = await build(root, ['-t', 'copyflags/exclude:1', ctx]);
    ok(again);
    assert.equal(step(again, 'COPY --exclude=test').cached, true, again.stderr);
    await writeFile(path.join(ctx, 'Dockerfile'), `FROM ${BUSYBOX}\nCOPY --exclude=test app /app\nCOPY --exclude=*.log top.* /top/\n`);
    const other = await build(root, ['-t', 'copyflags/exclude:2', ctx]);
    ok(other);
    assert.equal(step(other, 'COPY --exclude=test').cached, false, other.stderr);
    assert.equal(read(await rootfs('copyflags/exclude:2'), 'app/README.md'), 'changed\n');
  });
});
