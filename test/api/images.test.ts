// The image commands on a real store in a temp dir: import (with --change and -m), list, tag, rmi,
// history, inspect; every image produced passes the strict OCI validator; bad input leaves the store as it was.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { imageHistory, importImage, inspectImages, listImages, removeImages, tagImage } from '../../src/api/index.ts';
import { validateStored } from '../helpers/validate-stored.ts';

type Inspected = { RootFS: unknown; Config: unknown; Comment: string; Size: number };

const work = mkdtempSync(path.join(tmpdir(), 'berth-images-'));
const root = path.join(work, 'store');
const tarFile = path.join(work, 'rootfs.tar');
after(() => rmSync(work, { recursive: true, force: true }));

before(() => {
  const rootfs = path.join(work, 'rootfs');
  mkdirSync(path.join(rootfs, 'etc'), { recursive: true });
  writeFileSync(path.join(rootfs, 'etc', 'hello'), 'hello world\n');
  execFileSync('tar', ['-C', rootfs, '--sort=name', '-cf', tarFile, '.']);
});


function storeFiles(): string[] {
  const list = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(path.join(d, e.name)) : [path.join(d, e.name)]));
  return list(root).filter((f) => !f.endsWith('store.lock')).sort();
}

describe('image commands', () => {
  let id = '';

  it('imports a rootfs tar as a one-layer image whose diff_id is the tar\'s sha256', async () => {
    const r = await importImage(root, { source: tarFile, reference: 'hello:1', changes: ['CMD ["/bin/sh"]', 'ENV A=1 B=$A', 'EXPOSE 8080/udp', 'WORKDIR /srv'], message: 'from a test' });
    id = r.id;
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(r.tag, 'docker.io/library/hello:1');
    const [inspect] = (await inspectImages(root, ['hello:1'])).objects as Inspected[];
    const want = 'sha256:' + createHash('sha256').update(readFileSync(tarFile)).digest('hex');
    assert.deepEqual(inspect!.RootFS, { Type: 'layers', Layers: [want] });
    // As docker import --change: ENV expands every value with the variables from before it (B is empty).
    assert.deepEqual(inspect!.Config, { Cmd: ['/bin/sh'], Env: ['A=1', 'B='], ExposedPorts: { '8080/udp': {} }, WorkingDir: '/srv' });
    assert.equal(inspect!.Comment, 'from a test');
    assert.equal(inspect!.Size, readFileSync(tarFile).length);
    await validateStored(root, id);
  });

  it('imports from a gzip stream (stdin) too, to the same diff_id', async () => {
    const r = await importImage(root, { source: '-', stream: Readable.from([gzipSync(readFileSync(tarFile))]) });
    const [a] = (await inspectImages(root, [r.id])).objects as Inspected[];
    const [b] = (await inspectImages(root, [id])).objects as Inspected[];
    assert.deepEqual(a!.RootFS, b!.RootFS);
    assert.equal(a!.Comment, 'Imported from -');
    await validateStored(root, r.id);
    await removeImages(root, [r.id]);
  });

  it('lists, tags and resolves by name, short ID and full ID', async () => {
    await tagImage(root, id.slice(7, 19), 'localhost:5000/team/hello:v2');
    const images = await listImages(root);
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.repoTags.sort(), ['hello:1', 'localhost:5000/team/hello:v2']);
    assert.equal((await listImages(root, 'hello')).length, 1);
    assert.equal((await listImages(root, 'nothing')).length, 0);
    assert.deepEqual((await listImages(root, undefined, ['reference=hello'])).map((i) => i.repoTags), [['hello:1']]);
    assert.deepEqual((await listImages(root, undefined, ['reference=*/*/hello:v*'])).map((i) => i.repoTags), [['localhost:5000/team/hello:v2']]);
    assert.equal((await listImages(root, undefined, ['dangling=true'])).length, 0);
    assert.equal((await listImages(root, undefined, ['dangling=false'])).length, 1);
    assert.equal((await listImages(root, undefined, ['label=nope'])).length, 0);
    await assert.rejects(listImages(root, undefined, ['since=x']), /invalid filter 'since=x'/);
    const hist = await imageHistory(root, 'localhost:5000/team/hello:v2');
    assert.equal(hist.length, 1);
    assert.equal(hist[0]!.id, id);
    assert.equal(hist[0]!.comment, 'from a test');
  });

  it('rejects bad input with a clear error and leaves the store untouched', async () => {
    const before = storeFiles();
    const garbage = path.join(work, 'garbage.tar.gz');
    writeFileSync(garbage, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(100, 7)]));
    await assert.rejects(importImage(root, { source: garbage, reference: 'bad:1' }), (e: Error) => /cannot read the archive|INVALID|incorrect|invalid/i.test(e.message));
    await assert.rejects(importImage(root, { source: path.join(work, 'missing.tar') }), /no such file/);
    await assert.rejects(importImage(root, { source: tarFile, reference: 'UPPER' }), /invalid reference format/);
    await assert.rejects(importImage(root, { source: tarFile, changes: ['RUN rm -rf /'] }), /RUN is not supported by --change/);
    await assert.rejects(tagImage(root, 'nope:1', 'x'), /No such image: nope:1/);
    assert.deepEqual(storeFiles(), before);
  });

  it('refuses a hostile rootfs tar (.. entry, escaping hardlink, malformed whiteout) and records no image', async () => {
    const cases: Record<string, string> = {
      dotdot: "t.addfile(tarfile.TarInfo('../escape'))",
      hardlink: "i = tarfile.TarInfo('a'); i.type = tarfile.LNKTYPE; i.linkname = '../../etc/passwd'; t.addfile(i)",
      whiteout: "i = tarfile.TarInfo('d/.wh.x'); i.type = tarfile.SYMTYPE; i.linkname = 'y'; t.addfile(i)",
    };
    for (const [name, code] of Object.entries(cases)) {
      const file = path.join(work, `${name}.tar`);
      execFileSync('python3', ['-c', `import tarfile\nwith tarfile.open(${JSON.stringify(file)}, 'w', format=tarfile.PAX_FORMAT) as t:\n    ${code}`]);
      // Plain and gzip take different paths (gzip blobs are stored as they come): both are checked.
      const gz = `${file}.gz`;
      writeFileSync(gz, gzipSync(readFileSync(file)));
      for (const source of [file, gz]) {
        await assert.rejects(importImage(root, { source, reference: `hostile:${name}` }), (e: Error & { code?: string }) => {
          assert.match(e.message, /'\.\.'|outside the layer|malformed whiteout/, `${name} (${source})`);
          assert.match(String(e.code), /UNSAFE_PATH|INVALID_ARCHIVE/);
          return true;
        });
      }
    }
    assert.deepEqual((await listImages(root)).flatMap((i) => i.repoTags).filter((t) => t.startsWith('hostile')), []);
  });

  it('rmi untags first, then deletes the image and collects its blobs', async () => {
    const r1 = await removeImages(root, ['hello:1']);
    assert.deepEqual(r1.results, [{ untagged: 'hello:1' }]);
    const r2 = await removeImages(root, ['localhost:5000/team/hello:v2', 'nope']);
    assert.deepEqual(r2.results, [{ untagged: 'localhost:5000/team/hello:v2' }, { deleted: id }]);
    assert.match(r2.errors[0]!.message, /No such image: nope/);
    assert.deepEqual(await listImages(root), []);
    assert.deepEqual(readdirSync(path.join(root, 'blobs', 'sha256')), []);
  });
});
