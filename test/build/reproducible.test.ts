// Reproducible builds with SOURCE_DATE_EPOCH (BuildKit's build arg; its rewrite-timestamp clamp), through
// the real CLI, runc and overlayfs: the same Dockerfile built in two separate stores seconds apart gives
// the same manifest, config and layer digests, and byte-identical `-o type=oci` archives.
// Not differential: docker 20.10's BuildKit (v0.8) predates SOURCE_DATE_EPOCH (BuildKit 0.11).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTar } from '../../src/layer/index.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, describeBuild, type Built } from './e2e-helpers.ts';
import { archivedImage, blobFile, BUSYBOX, makeContext, storedImage, storesWithBusybox, tarEntries } from './image-helpers.ts';

const EPOCH = 1700000000;
const EPOCH_TEXT = '2023-11-14T22:13:20Z';

const DOCKERFILE = `FROM ${BUSYBOX}
ARG SOURCE_DATE_EPOCH
RUN mkdir -p /out && echo "epoch=$SOURCE_DATE_EPOCH" > /out/seen && echo data > /out/data-file && rm /etc/group && touch /tmp/scratch
COPY a.txt /out/
RUN touch -d '2001-02-03 04:05:06' /out/old
WORKDIR /w
CMD ["cat", "/out/seen"]
`;

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ok(b: Built): void {
  assert.equal(b.code, 0, `the build failed: ${describeBuild(b)}`);
}

describe('SOURCE_DATE_EPOCH: reproducible builds', { skip: runcUnavailable() }, () => {
  let work: string;
  let a: string;
  let b: string;
  let ctx: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'berth-repro-'));
    [a, b] = (await storesWithBusybox(work, ['store-a', 'store-b'])) as [string, string];
    ctx = await makeContext(path.join(work, 'ctx'), { 'Dockerfile': DOCKERFILE, 'a.txt': 'from the context\n' });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('two stores, builds seconds apart (build arg in one, the environment in the other): equal digests and archives', async () => {
    const first = await build(a, ['--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, '-t', 'repro:1', '-o', `type=oci,dest=${path.join(work, 'a.tar')}`, ctx]);
    ok(first);
    await pause(2100); // file times inside RUN and COPY's directories are whole seconds: make them differ
    process.env.SOURCE_DATE_EPOCH = String(EPOCH);
    let second: Built;
    try {
      second = await build(b, ['-t', 'repro:1', '-o', `type=oci,dest=${path.join(work, 'b.tar')}`, ctx]);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
    ok(second);
    assert.doesNotMatch(second.stderr, /were not consumed/, 'SOURCE_DATE_EPOCH is consumed by the build');
    const x = await storedImage(a, 'repro:1');
    const y = await storedImage(b, 'repro:1');
    assert.equal(x.manifest.config.digest, y.manifest.config.digest, 'config digests (image IDs)');
    assert.deepEqual(x.manifest.layers.map((l) => l.digest), y.manifest.layers.map((l) => l.digest), 'layer digests');
    assert.equal(x.digest, y.digest, 'manifest digests');
    assert.equal(first.id, second.id);
    assert.equal(sha256(path.join(work, 'a.tar')), sha256(path.join(work, 'b.tar')), 'the oci archives are byte-identical');
    assert.equal(archivedImage(path.join(work, 'a.tar')).digest, x.digest);
  });

  it('created times are the epoch; the base image keeps its own history', async () => {
    const { config } = await storedImage(a, 'repro:1');
    const base = await storedImage(a, BUSYBOX);
    assert.equal(config.created, EPOCH_TEXT);
    const history = config.history ?? [];
    const baseCount = base.config.history?.length ?? 0;
    assert.deepEqual(history.slice(0, baseCount), base.config.history ?? []);
    assert.ok(history.length > baseCount + 4);
    for (const h of history.slice(baseCount)) assert.equal(h.created, EPOCH_TEXT, JSON.stringify(h));
  });

  it('file times newer than the epoch are clamped in the layers the build made; older ones and the base layer are kept', async () => {
    const { manifest } = await storedImage(a, 'repro:1');
    const base = await storedImage(a, BUSYBOX);
    const built = manifest.layers.slice(base.manifest.layers.length);
    assert.equal(built.length, 4, 'RUN, COPY, RUN, WORKDIR');
    const all = built.flatMap((l) => tarEntries(blobFile(a, l.digest)));
    for (const e of all) assert.ok(e.mtime <= EPOCH, `${e.name} has mtime ${e.mtime}, after the epoch`);
    const names = all.map((e) => e.name);
    for (const n of ['out/seen', 'out/data-file', 'etc/.wh.group', 'tmp/scratch', 'out/a.txt', 'w']) assert.ok(names.includes(n), `${n} missing from ${names.join(', ')}`);
    assert.equal(all.find((e) => e.name === 'out/seen')!.mtime, EPOCH);
    assert.equal(all.find((e) => e.name === 'out/old')!.mtime, Date.UTC(2001, 1, 3, 4, 5, 6) / 1000, 'an older mtime is kept');
    assert.equal(manifest.layers[0]!.digest, base.manifest.layers[0]!.digest, 'the base layer is untouched');
  });

  it('tar headers are normalized: no user or group names, no atime/ctime or other PAX records, entries in path order', async () => {
    const { manifest } = await storedImage(a, 'repro:1');
    for (const layer of manifest.layers.slice(1)) {
      const names: string[] = [];
      for await (const { header, body } of readTar(createReadStream(blobFile(a, layer.digest)))) {
        body.resume();
        assert.equal(header.uname, '', header.name);
        assert.equal(header.gname, '', header.name);
        assert.equal(header.atime, undefined, header.name);
        assert.equal(header.ctime, undefined, header.name);
        assert.equal(header.mtime.nsec, 0, header.name);
        assert.deepEqual([...header.pax.keys()], [], header.name);
        names.push(header.name);
      }
      const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x.split('/').join('\0')), Buffer.from(y.split('/').join('\0'))));
      assert.deepEqual(names, sorted, 'entries in byte order of their path components');
    }
  });

  it('RUN sees SOURCE_DATE_EPOCH declared as an ARG, like any build arg', async () => {
    const r = await berth(a, ['run', '--rm', 'repro:1']);
    if (r.code === 0) assert.equal(r.stdout.trim(), `epoch=${EPOCH}`);
    else {
      // `berth run` may not be there yet: read the file from the layer instead.
      const { manifest } = await storedImage(a, 'repro:1');
      const text = manifest.layers.map((l) => {
        try { return readFileSync(blobFile(a, l.digest)).toString('latin1'); } catch { return ''; }
      }).join('');
      assert.match(text, new RegExp(`epoch=${EPOCH}\\n`));
    }
  });

  it('without SOURCE_DATE_EPOCH the two stores give different images (the test above could fail)', async () => {
    const x = await build(a, ['--no-cache', '-t', 'plain:1', ctx]);
    ok(x);
    await pause(1100);
    const y = await build(b, ['--no-cache', '-t', 'plain:1', ctx]);
    ok(y);
    assert.notEqual(x.id, y.id);
  });

  it('a global ARG SOURCE_DATE_EPOCH default pins the times; a --build-arg overrides it', async () => {
    const dir = await makeContext(path.join(work, 'ctx-default'), {
      'Dockerfile': `ARG SOURCE_DATE_EPOCH=1600000000\nFROM ${BUSYBOX}\nRUN echo hi > /hi\n`,
    });
    ok(await build(a, ['-t', 'default:1', dir]));
    assert.equal((await storedImage(a, 'default:1')).config.created, '2020-09-13T12:26:40Z');
    ok(await build(a, ['--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, '-t', 'default:2', dir]));
    assert.equal((await storedImage(a, 'default:2')).config.created, EPOCH_TEXT);
  });

  it('zstd and gzip layers are deterministic too', async () => {
    for (const compression of ['zstd', 'gzip']) {
      const x = await build(a, ['--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, '--compression', compression, '-t', `c-${compression}:1`, ctx]);
      ok(x);
      const y = await build(b, ['--build-arg', `SOURCE_DATE_EPOCH=${EPOCH}`, '--compression', compression, '-t', `c-${compression}:1`, ctx]);
      ok(y);
      const [mx, my] = [await storedImage(a, `c-${compression}:1`), await storedImage(b, `c-${compression}:1`)];
      assert.equal(mx.digest, my.digest, `${compression}: manifest digests`);
      assert.ok(mx.manifest.layers.slice(1).every((l) => l.mediaType.endsWith(`+${compression}`)), JSON.stringify(mx.manifest.layers));
      // the uncompressed content (diff_ids) is the same as the uncompressed build's
      assert.deepEqual(mx.config.rootfs.diff_ids, (await storedImage(a, 'repro:1')).config.rootfs.diff_ids);
    }
  });

  it('a SOURCE_DATE_EPOCH that is not a number is refused with a clear error', async () => {
    const r = await berth(a, ['build', '--build-arg', 'SOURCE_DATE_EPOCH=yesterday', ctx]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid SOURCE_DATE_EPOCH: "yesterday" is not a number of seconds/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
