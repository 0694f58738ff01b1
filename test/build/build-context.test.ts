// `berth build --build-context NAME=DIR|docker-image://REF` end to end (busybox base, real runc):
// a directory context read by COPY --from (its .dockerignore applied, owners 0:0) and by FROM, an
// image context standing in for a FROM name, a context overriding a stage of the same name, the
// cache keyed on the directory's content, RUN --mount from= a context, and typed errors for bad specs.
import assert from 'node:assert/strict';
import { lstatSync, readFileSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runcUnavailable } from '../runtime/helpers.ts';
import { build, step } from './e2e-helpers.ts';
import { assertBuilt as ok, Workspace } from './fixture-builds.ts';

const BUSYBOX = 'bctx/busybox:1';
const skip = runcUnavailable();

describe('build --build-context', { skip, concurrency: false }, () => {
  let ws: Workspace;
  let work: string;
  let root: string;
  let assets: string;

  before(async () => {
    ws = await Workspace.create('bctx', BUSYBOX);
    ({ work, root } = ws);
    assets = path.join(work, 'assets');
    await mkdir(path.join(assets, 'css'), { recursive: true });
    await writeFile(path.join(assets, 'css', 'site.css'), 'body{}\n');
    await writeFile(path.join(assets, 'logo.svg'), '<svg/>\n');
    await writeFile(path.join(assets, 'secret.key'), 'do not copy\n');
    await writeFile(path.join(assets, '.dockerignore'), '*.key\n');
    await chown(path.join(assets, 'logo.svg'), 1234, 1234);
  });
  after(async () => ws?.dispose());
  const context = (dockerfile: string, files: Record<string, string> = {}): Promise<string> => ws.context(dockerfile, files);
  const rootfs = (tag: string): Promise<string> => ws.rootfs(tag);
  const read = (fs: string, p: string): string => readFileSync(path.join(fs, p), 'utf8');

  it('COPY --from=NAME reads a directory context (its .dockerignore applied, owners 0:0), cached by its content', async () => {
    const ctx = await context(`FROM ${BUSYBOX}\nCOPY --from=assets / /static/\n`);
    const first = await build(root, ['-t', 'bctx/copy:1', '--build-context', `assets=${assets}`, ctx]);
    ok(first);
    const fs = await rootfs('bctx/copy:1');
    assert.equal(read(fs, 'static/css/site.css'), 'body{}\n');
    assert.equal(read(fs, 'static/logo.svg'), '<svg/>\n');
    assert.throws(() => lstatSync(path.join(fs, 'static/secret.key')), 'the context\'s .dockerignore applies');
    const st = lstatSync(path.join(fs, 'static/logo.svg'));
    assert.deepEqual([st.uid, st.gid], [0, 0]);

    const again = await build(root, ['-t', 'bctx/copy:1', '--build-context', `assets=${assets}`, ctx]);
    ok(again);
    assert.equal(step(again, 'COPY --from=assets').cached, true, again.stderr);
    await writeFile(path.join(assets, 'logo.svg'), '<svg version="2"/>\n');
    const changed = await build(root, ['-t', 'bctx/copy:2', '--build-context', `assets=${assets}`, ctx]);
    ok(changed);
    assert.equal(step(changed, 'COPY --from=assets').cached, false, changed.stderr);
    assert.equal(read(await rootfs('bctx/copy:2'), 'static/logo.svg'), '<svg version="2"/>\n');
  });

  it('a named context replaces a stage of the same name, and FROM can start from a directory', async () => {
    const ctx = await context(`FROM ${BUSYBOX} AS assets
RUN mkdir /css && echo from-the-stage > /css/site.css
FROM ${BUSYBOX}
COPY --from=assets /css/site.css /site.css
FROM assets AS files
COPY extra.txt /extra.txt
`, { 'extra.txt': 'extra\n' });
    const b = await build(root, ['-t', 'bctx/override:1', '--target', 'files', '--build-context', `assets=${assets}`, ctx]);
    ok(b);
    const fs = await rootfs('bctx/override:1');
    assert.equal(read(fs, 'css/site.css'), 'body{}\n', 'FROM assets is the directory');
    assert.equal(read(fs, 'extra.txt'), 'extra\n');
    assert.throws(() => lstatSync(path.join(fs, 'bin/sh')), 'nothing of busybox: the stage named assets was replaced');
    // A stage reading the overridden name by COPY --from gets the context too.
    const mid = await context(`FROM ${BUSYBOX} AS assets\nRUN echo from-the-stage > /site.css\nFROM ${BUSYBOX}\nCOPY --from=assets /css/site.css /site.css\n`);
    const m = await build(root, ['-t', 'bctx/override:3', '--build-context', `assets=${assets}`, mid]);
    ok(m);
    assert.equal(read(await rootfs('bctx/override:3'), 'site.css'), 'body{}\n', 'COPY --from=assets reads the context, not the stage');
  });

  it('RUN --mount=type=bind,from=NAME mounts a directory context', async () => {
    const ctx = await context(`FROM ${BUSYBOX}\nRUN --mount=type=bind,from=assets,target=/mnt/assets cat /mnt/assets/css/site.css > /mounted.css && ls /mnt/assets > /listing\n`);
    ok(await build(root, ['-t', 'bctx/mount:1', '--build-context', `assets=${assets}`, ctx]));
    const fs = await rootfs('bctx/mount:1');
    assert.equal(read(fs, 'mounted.css'), 'body{}\n');
    assert.equal(read(fs, 'listing'), 'css\nlogo.svg\n');
    assert.throws(() => lstatSync(path.join(fs, 'mnt/assets/logo.svg')), 'the mount leaves nothing in the layer');
  });

  it('docker-image://REF stands in for a FROM name through the image resolver', async () => {
    const ctx = await context('FROM python:3.12-slim\nRUN echo "built on $(cat /etc/os-name)" > /built\n');
    const baseCtx = await context(`FROM ${BUSYBOX}\nRUN echo busybox-stand-in > /etc/os-name\n`);
    ok(await build(root, ['-t', 'bctx/stand-in:1', baseCtx]));
    const b = await build(root, ['-t', 'bctx/image:1', '--build-context', 'python:3.12-slim=docker-image://bctx/stand-in:1', ctx]);
    ok(b);
    assert.equal(read(await rootfs('bctx/image:1'), 'built'), 'built on busybox-stand-in\n');
  });

  it('bad --build-context values fail with typed errors', async () => {
    const ctx = await context(`FROM ${BUSYBOX}\n`);
    const cases: Array<[string, RegExp]> = [
      ['novalue', /invalid --build-context value "novalue"/],
      [`x=${path.join(work, 'missing')}`, /--build-context x: .*missing is not a directory/],
      ['x=https://example.com/ctx.tar', /only a directory or docker-image:\/\/REF is supported/],
      ['x=docker-image://', /docker-image:\/\/ needs an image reference/],
    ];
    for (const [spec, message] of cases) {
      const ctx2 = spec.startsWith('x=/') ? await context('FROM x\n') : ctx;
      const b = await build(root, ['--build-context', spec, ctx2]);
      assert.notEqual(b.code, 0, spec);
      assert.match(b.stderr, message, spec);
      assert.doesNotMatch(b.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
