// `berth build -o`: the rootfs into a local dir, as a tarball, and as a docker/OCI archive that loads
// back with the same image ID.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildImage, importImage, loadImages } from '../../src/api/index.ts';
import { parseOutput } from '../../src/exporters/build-output.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-output-'));
const root = path.join(work, 'store');
const ctx = path.join(work, 'ctx');
after(() => rmSync(work, { recursive: true, force: true }));

before(async () => {
  const rootfs = path.join(work, 'rootfs');
  mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  for (const c of ['sh', 'echo', 'rm']) symlinkSync('busybox', path.join(rootfs, 'bin', c));
  execFileSync('tar', ['-C', rootfs, '-cf', path.join(work, 'bb.tar'), '.']);
  await importImage(root, { source: path.join(work, 'bb.tar'), reference: 'busybox:latest' });
  mkdirSync(ctx);
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN rm /bin/rm && echo made > /made.txt\n');
  writeFileSync(path.join(ctx, 'hello.txt'), 'hello\n');
});

describe('build outputs', () => {
  it('parses docker\'s -o forms and refuses unknown ones', () => {
    assert.deepEqual(parseOutput('out'), { type: 'local', dest: 'out' });
    assert.deepEqual(parseOutput('type=tar,dest=x.tar'), { type: 'tar', dest: 'x.tar' });
    assert.throws(() => parseOutput('type=registry'), /unsupported output type "registry"/);
    assert.throws(() => parseOutput('type=local'), /needs dest=/);
    assert.deepEqual(parseOutput('-'), { type: 'tar', dest: '-' });
    assert.throws(() => parseOutput('type=local,dest=-'), /cannot go to stdout/);
  });

  it('writes the flattened rootfs (whiteouts applied) to a dir and a tar, and an archive that loads back', async () => {
    const dir = path.join(work, 'out-dir');
    const tar = path.join(work, 'out.tar');
    const archive = path.join(work, 'out-archive.tar');
    const r = await buildImage(root, {
      contextDir: ctx, network: 'none', tags: ['out:1'],
      outputs: [`type=local,dest=${dir}`, `type=tar,dest=${tar}`, `type=oci,dest=${archive}`],
    });
    assert.equal(readFileSync(path.join(dir, 'hello.txt'), 'utf8'), 'hello\n');
    assert.equal(readFileSync(path.join(dir, 'made.txt'), 'utf8'), 'made\n');
    assert.equal(existsSync(path.join(dir, 'bin', 'rm')), false, 'the RUN step deleted /bin/rm');
    const names = execFileSync('tar', ['-tf', tar]).toString().split('\n');
    assert.ok(names.includes('hello.txt') && names.includes('made.txt') && !names.includes('bin/rm'), names.join(' '));
    const loaded = await loadImages(path.join(work, 'other-store'), createReadStream(archive));
    assert.deepEqual(loaded, [{ id: r.id, tags: ['out:1'] }]);
  });
});
