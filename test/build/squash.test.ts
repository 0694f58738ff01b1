// `berth build --squash` (docker's legacy builder: the final stage's own layers merged into one, the
// parent's kept, the squashed steps' history marked empty plus a "merge <id> to <parent>" entry),
// through the real CLI, runc and overlayfs. Not differential: docker 20.10 takes --squash only with
// the experimental daemon and the legacy builder, which the differential suite's engine does not run.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diffTrees, flattenImage, snapshotTree } from '../helpers/flatten.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { build, describeBuild, importBusybox, type Built } from './e2e-helpers.ts';
import { blobFile, BUSYBOX, makeContext, storedImage, tarEntries } from './image-helpers.ts';

const DOCKERFILE = `FROM ${BUSYBOX} AS parent
RUN mkdir /basedir && echo x > /basedir/x && echo y > /basedir/y
FROM parent
RUN echo one > /added-then-deleted && mkdir -p /d/sub && echo x > /d/sub/f && mkdir /gone-dir && echo z > /gone-dir/z
RUN rm /added-then-deleted && rm -rf /gone-dir && rm /etc/group && echo two > /kept
COPY file.txt /copied/
RUN rm -rf /d && mkdir /d && echo y > /d/new && ln /kept /kept-link && ln -s kept /kept-symlink
RUN rm -rf /basedir && mkdir /basedir && echo only > /basedir/only
ENV SQUASHED=yes
`;

function ok(b: Built): void {
  assert.equal(b.code, 0, `the build failed: ${describeBuild(b)}`);
}

describe('berth build --squash', { skip: runcUnavailable() }, () => {
  let work: string;
  let root: string;
  let ctx: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'berth-squash-'));
    root = path.join(work, 'store');
    await importBusybox(root, work, BUSYBOX);
    ctx = await makeContext(path.join(work, 'ctx'), { 'Dockerfile': DOCKERFILE, 'file.txt': 'copied\n' });
    ok(await build(root, ['--target', 'parent', '-t', 'parent:1', ctx]));
    ok(await build(root, ['-t', 'plain:1', ctx]));
    ok(await build(root, ['--squash', '-t', 'squashed:1', ctx]));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('keeps the base layers and adds one layer; the filesystem equals the unsquashed one', async () => {
    const base = await storedImage(root, 'parent:1');
    const plain = await storedImage(root, 'plain:1');
    const squashed = await storedImage(root, 'squashed:1');
    assert.equal(plain.manifest.layers.length, base.manifest.layers.length + 5, 'RUN, RUN, COPY, RUN, RUN');
    assert.equal(squashed.manifest.layers.length, base.manifest.layers.length + 1);
    assert.deepEqual(squashed.manifest.layers.slice(0, -1).map((l) => l.digest), base.manifest.layers.map((l) => l.digest));
    assert.equal(squashed.config.rootfs.diff_ids.length, squashed.manifest.layers.length);
    const [a, b] = [path.join(work, 'flat-plain'), path.join(work, 'flat-squashed')];
    await mkdir(a);
    await mkdir(b);
    await flattenImage(root, 'plain:1', a);
    await flattenImage(root, 'squashed:1', b);
    assert.deepEqual(diffTrees(snapshotTree(a), snapshotTree(b), ['unsquashed', 'squashed']), []);
  });

  it('a file added in one step and deleted in a later one leaves no trace; a deleted base file keeps its whiteout', async () => {
    const { manifest } = await storedImage(root, 'squashed:1');
    const names = tarEntries(blobFile(root, manifest.layers.at(-1)!.digest)).map((e) => e.name);
    for (const gone of ['added-then-deleted', '.wh.added-then-deleted', 'gone-dir', '.wh.gone-dir', 'd/sub', 'd/sub/f', 'd/.wh.sub']) {
      assert.ok(!names.includes(gone), `${gone} is in the squashed layer: ${names.join(', ')}`);
    }
    for (const there of ['kept', 'kept-link', 'kept-symlink', 'd/new', 'copied/file.txt', 'basedir/only']) {
      assert.ok(names.includes(there), `${there} is missing from the squashed layer: ${names.join(', ')}`);
    }
    assert.ok(names.includes('etc/.wh.group'), names.join(', '));
    // /basedir came from the parent and was replaced: what it had is hidden (an opaque dir or a whiteout each).
    assert.ok(names.includes('basedir/.wh..wh..opq') || (names.includes('basedir/.wh.x') && names.includes('basedir/.wh.y')), names.join(', '));
  });

  it('history: the base entries as they were, the build\'s marked empty, then docker\'s merge entry', async () => {
    const base = await storedImage(root, 'parent:1');
    const plain = await storedImage(root, 'plain:1');
    const { config } = await storedImage(root, 'squashed:1');
    const history = config.history ?? [];
    const n = base.config.history?.length ?? 0;
    assert.deepEqual(history.slice(0, n), base.config.history);
    const own = history.slice(n, -1);
    assert.deepEqual(own.map((h) => h.created_by), (plain.config.history ?? []).slice(n).map((h) => h.created_by));
    assert.ok(own.every((h) => h.empty_layer === true), JSON.stringify(own));
    const last = history.at(-1)!;
    assert.equal(last.comment, `merge ${plain.manifest.config.digest} to ${base.manifest.config.digest}`);
    assert.equal(last.empty_layer, undefined);
    assert.equal(last.created, config.created);
    assert.deepEqual(history.filter((h) => !h.empty_layer).length, config.rootfs.diff_ids.length, 'one non-empty history entry per layer');
  });

  it('on an image base: the image\'s layers are kept, the merge entry names the image', async () => {
    const dir = await makeContext(path.join(work, 'ctx-image'), {
      'Dockerfile': `FROM ${BUSYBOX}\nRUN echo c > /c && echo d > /d\nRUN rm /c /etc/passwd\n`,
    });
    ok(await build(root, ['--squash', '-t', 'on-image:1', dir]));
    const image = await storedImage(root, BUSYBOX);
    const squashed = await storedImage(root, 'on-image:1');
    assert.deepEqual(squashed.manifest.layers.slice(0, -1).map((l) => l.digest), image.manifest.layers.map((l) => l.digest));
    const names = tarEntries(blobFile(root, squashed.manifest.layers.at(-1)!.digest)).map((e) => e.name);
    assert.ok(names.includes('d') && names.includes('etc/.wh.passwd') && !names.includes('c') && !names.includes('.wh.c'), names.join(', '));
    assert.match(squashed.config.history!.at(-1)!.comment ?? '', new RegExp(`^merge sha256:[0-9a-f]{64} to ${image.manifest.config.digest}$`));
  });
});
