// Differential: images from `berth build --squash` and SOURCE_DATE_EPOCH (with gzip layers) taken by the
// docker engine (Debian's 20.10, a private dockerd): berth save → docker load → docker run, with the
// same image ID, the config fields docker shows, and the files docker unpacks. docker 20.10 cannot
// build these itself (its BuildKit has no SOURCE_DATE_EPOCH, --squash needs the experimental daemon's
// legacy builder), and zstd layers are left out: 20.10's `docker load` has no zstd (pkg/archive got
// it in 23.0; tried here, it fails with "unexpected EOF"), so those are checked with skopeo and the
// zstd CLI in compression.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { useDockerd } from '../helpers/dockerd.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, describeBuild, importBusybox, type Ran } from './e2e-helpers.ts';
import { BUSYBOX, makeContext, storedImage } from './image-helpers.ts';

const suite = useDockerd();

/**
 * `docker run`, retried when docker 20.10's runtime fails to start the container ("failed to create
 * shim task", seen under load; the image was already checked by ID and diff_ids, and a defect in it
 * would fail every attempt alike). Only docker's side is retried.
 */
function dockerRun(engine: NonNullable<ReturnType<typeof suite.need>>, tag: string): string {
  for (let attempt = 1; ; attempt++) {
    try {
      return engine.docker(['run', '--rm', '--network', 'none', tag]);
    } catch (e) {
      if (attempt >= 3 || !/failed to create shim task/.test(String(e))) throw e;
    }
  }
}

function ok(r: Ran): void {
  assert.equal(r.code, 0, describeBuild(r));
}

describe('docker 20.10 loads and runs what --squash and SOURCE_DATE_EPOCH made', { skip: runcUnavailable() }, () => {
  let work: string;
  let root: string;
  let ctx: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'berth-finish-docker-'));
    root = path.join(work, 'store');
    await importBusybox(root, work, BUSYBOX);
    ctx = await makeContext(path.join(work, 'ctx'), {
      'Dockerfile': `FROM ${BUSYBOX}\nRUN echo temp > /temp && mkdir /out && echo one > /out/one\nRUN rm /temp /etc/group && echo two > /out/two\nCMD ["sh", "-c", "cat /out/one /out/two; ls /temp /etc/group 2>&1 | wc -l"]\n`,
    });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const [name, flags] of [
    ['squash', ['--squash']],
    ['epoch-gzip', ['--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '--compression', 'gzip']],
  ] as const) {
    it(`${name}: docker load gives the same ID and docker run the same files`, async (t) => {
      const engine = suite.need(t);
      if (!engine) return;
      const tag = `finish-${name}:1`;
      ok(await build(root, [...flags, '-t', tag, ctx]));
      const archive = path.join(work, `${name}.tar`);
      ok(await berth(root, ['save', '-o', archive, tag]));
      assert.match(engine.docker(['load', '-i', archive]), new RegExp(`Loaded image: ${tag}\\n`));
      const { manifest, config } = await storedImage(root, tag);
      const inspected = JSON.parse(engine.docker(['image', 'inspect', tag]))[0] as { Id: string; Created: string; RootFS: { Layers: string[] } };
      assert.equal(inspected.Id, manifest.config.digest);
      assert.deepEqual(inspected.RootFS.Layers, config.rootfs.diff_ids);
      if (name === 'epoch-gzip') assert.equal(inspected.Created, '2023-11-14T22:13:20Z');
      assert.equal(dockerRun(engine, tag), 'one\ntwo\n2\n');
    });
  }
});
