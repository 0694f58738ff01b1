// `berth build --compression zstd|gzip` and `-o type=oci,compression=zstd,force-compression=true`
// (BuildKit's exporter options): the built image's layers stored and exported compressed, checked with
// the real zstd and gzip CLIs, skopeo (which verifies every digest it copies), umoci and a real
// docker-registry (push keeps them). Real CLI, runc, overlayfs. Not differential: docker 20.10's
// BuildKit exporter has no compression option, and its `docker load` reads no zstd.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushImage, tagImage } from '../../src/api/index.ts';
import { registryUnavailable, startRegistry } from '../helpers/registry-server.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, describeBuild, importBusybox, type Ran } from './e2e-helpers.ts';
import { archivedImage, blobFile, BUSYBOX, makeContext, storedImage } from './image-helpers.ts';

const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

function tool(name: string): string | undefined {
  try { execFileSync(name, ['--version'], { stdio: 'ignore' }); return undefined; } catch { return `needs ${name} on PATH`; }
}

const skip = runcUnavailable() ?? tool('zstd') ?? tool('skopeo') ?? tool('umoci');

function ok(r: Ran): void {
  assert.equal(r.code, 0, describeBuild(r));
}

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('berth build --compression', { skip }, () => {
  let work: string;
  let root: string;
  let ctx: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'berth-compression-'));
    root = path.join(work, 'store');
    await importBusybox(root, work, BUSYBOX);
    ctx = await makeContext(path.join(work, 'ctx'), {
      'Dockerfile': `FROM ${BUSYBOX}\nRUN mkdir /out && seq 1 20000 > /out/numbers && rm /etc/group\nCOPY a.txt /out/\n`,
      'a.txt': 'from the context\n',
    });
    ok(await build(root, ['-t', 'plain:1', ctx]));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('zstd: the built layers are zstd blobs the zstd CLI decompresses to their diff_ids; the base layer keeps its gzip', async () => {
    const oci = path.join(work, 'z.tar');
    ok(await build(root, ['--compression', 'zstd', '-t', 'z:1', '-o', `type=oci,dest=${oci}`, ctx]));
    const { manifest, config } = await storedImage(root, 'z:1');
    const base = await storedImage(root, BUSYBOX);
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), [GZIP, ZSTD, ZSTD]);
    assert.equal(manifest.layers[0]!.digest, base.manifest.layers[0]!.digest);
    manifest.layers.slice(1).forEach((l, i) => {
      const blob = readFileSync(blobFile(root, l.digest));
      assert.equal(blob.subarray(0, 4).toString('hex'), '28b52ffd', 'zstd magic');
      assert.equal(blob.length, l.size);
      const tar = execFileSync('zstd', ['-d', '-c', '-q'], { input: blob, maxBuffer: 64 << 20 });
      assert.equal(sha256(tar), config.rootfs.diff_ids[i + 1], 'the zstd CLI gives the diff_id');
    });
    assert.deepEqual(config.rootfs.diff_ids, (await storedImage(root, 'plain:1')).config.rootfs.diff_ids, 'same content as the uncompressed build');
    assert.equal(archivedImage(oci).digest, (await storedImage(root, 'z:1')).digest, 'the export carries the stored manifest');
  });

  it('skopeo copies the zstd export (verifying every digest) and recompresses it to gzip, which umoci unpacks', async () => {
    const layout = path.join(work, 'skopeo-gzip');
    execFileSync('skopeo', ['copy', '-q', '--dest-compress', '--dest-compress-format', 'gzip', `oci-archive:${path.join(work, 'z.tar')}`, `oci:${layout}:z`]);
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${layout}:z`], { encoding: 'utf8' })) as { layers: Array<{ mediaType: string }> };
    assert.equal(inspected.layers.length, 3);
    const bundle = path.join(work, 'bundle');
    execFileSync('umoci', ['raw', 'unpack', '--image', `${layout}:z`, bundle], { stdio: 'pipe' });
    assert.equal(readFileSync(path.join(bundle, 'out', 'a.txt'), 'utf8'), 'from the context\n');
    assert.equal(readFileSync(path.join(bundle, 'out', 'numbers'), 'utf8').split('\n').length, 20001);
    assert.ok(!existsSync(path.join(bundle, 'etc', 'group')), 'the whiteout was applied');
    assert.ok(existsSync(path.join(bundle, 'bin', 'busybox')));
  });

  it('berth save, then load into another store, keeps the zstd layers and the manifest digest', async () => {
    const archive = path.join(work, 'saved.tar');
    ok(await berth(root, ['save', '-o', archive, 'z:1']));
    const other = path.join(work, 'other-store');
    ok(await berth(other, ['load', '-i', archive]));
    const [here, there] = [await storedImage(root, 'z:1'), await storedImage(other, 'z:1')];
    assert.equal(there.digest, here.digest);
    assert.deepEqual(there.manifest.layers.map((l) => l.mediaType), [GZIP, ZSTD, ZSTD]);
    const run = await berth(other, ['build', '-q', '-t', 'on-zstd:1', await makeContext(path.join(work, 'ctx-child'), { Dockerfile: 'FROM z:1\nRUN cat /out/a.txt > /copy\n' })]);
    ok(run);
  });

  it('berth push keeps the zstd layers: the registry (docker-registry) serves the same manifest', async (t) => {
    const why = registryUnavailable();
    if (why) return t.skip(why);
    const reg = await startRegistry('open');
    try {
      const ref = `${reg.host}/compression/z:1`;
      await tagImage(root, 'z:1', ref);
      const [pushed] = await pushImage(root, ref);
      const local = await storedImage(root, 'z:1');
      assert.equal(pushed!.digest, local.digest, 'pushed byte for byte');
      const res = await reg.api(`/v2/compression/z/manifests/${pushed!.digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(res.status, 200);
      const remote = (await res.json()) as { layers: Array<{ mediaType: string; digest: string }> };
      assert.deepEqual(remote.layers.map((l) => l.mediaType), [GZIP, ZSTD, ZSTD]);
      const blob = Buffer.from(await (await reg.api(`/v2/compression/z/blobs/${remote.layers[2]!.digest}`)).arrayBuffer());
      assert.equal(sha256(blob), remote.layers[2]!.digest);
      assert.deepEqual(await reg.consistencyProblems(), []);
    } finally {
      await reg.stop();
    }
  });

  it('gzip: built layers gzip-compressed (gzip -t), which umoci unpacks straight from berth\'s export', async () => {
    const oci = path.join(work, 'g.tar');
    ok(await build(root, ['--compression', 'gzip', '-t', 'g:1', '-o', `type=oci,dest=${oci}`, ctx]));
    const { manifest } = await storedImage(root, 'g:1');
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), [GZIP, GZIP, GZIP]);
    for (const l of manifest.layers) execFileSync('gzip', ['-t', blobFile(root, l.digest)]);
    const layout = path.join(work, 'g-layout');
    await mkdir(layout);
    execFileSync('tar', ['-xf', oci, '-C', layout]);
    const bundle = path.join(work, 'g-bundle');
    execFileSync('umoci', ['raw', 'unpack', '--image', `${layout}:1`, bundle], { stdio: 'pipe' });
    assert.equal(readFileSync(path.join(bundle, 'out', 'a.txt'), 'utf8'), 'from the context\n');
  });

  it('-o type=oci,compression=zstd,force-compression=true recompresses the base layer too', async () => {
    const oci = path.join(work, 'forced.tar');
    ok(await build(root, ['-t', 'forced:1', '-o', `type=oci,dest=${oci},compression=zstd,force-compression=true`, ctx]));
    const { manifest, config } = archivedImage(oci);
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), [ZSTD, ZSTD, ZSTD]);
    assert.deepEqual(config.rootfs.diff_ids, (await storedImage(root, 'plain:1')).config.rootfs.diff_ids);
    const base = execFileSync('tar', ['-xOf', oci, `blobs/sha256/${manifest.layers[0]!.digest.slice(7)}`], { maxBuffer: 64 << 20 });
    assert.equal(sha256(execFileSync('zstd', ['-d', '-c', '-q'], { input: base, maxBuffer: 64 << 20 })), config.rootfs.diff_ids[0]);
  });

  it('an unknown compression is refused, naming the choices', async () => {
    const r = await berth(root, ['build', '--compression', 'lz4', ctx]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid --compression "lz4"/);
    assert.match(r.stderr, /gzip, zstd or uncompressed/);
    const o = await berth(root, ['build', '-o', `type=oci,dest=${path.join(work, 'x.tar')},compression=brotli`, ctx]);
    assert.notEqual(o.code, 0);
    assert.match(o.stderr, /unsupported compression "brotli"/);
    const c = await berth(root, ['build', '--compression', 'gzip', '-o', `type=oci,dest=${path.join(work, 'y.tar')},compression=zstd`, ctx]);
    assert.notEqual(c.code, 0);
    assert.match(c.stderr, /conflicting layer compressions/);
  });
});
