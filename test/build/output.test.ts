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

  it('names a dest it cannot write, before writing anything there; a local dest gets its parents made', { timeout: 60_000 }, async () => {
    const opts = { contextDir: ctx, network: 'none' as const, tags: ['out:2'] };
    const bad = async (output: string, message: RegExp): Promise<void> => {
      await assert.rejects(buildImage(root, { ...opts, outputs: [output] }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_ARGUMENT', e.message);
        assert.match(e.message, message);
        return true;
      });
    };
    await bad(`type=tar,dest=${path.join(work, 'missing', 'x.tar')}`, /cannot write the output to .*missing\/x\.tar: directory .*missing does not exist/);
    await bad(`type=docker,dest=${work}`, /cannot write the output to .*: it is a directory/);
    // procfs answers mkdir with ENOENT under a parent that exists: node's recursive mkdir looped forever.
    await bad('type=local,dest=/proc/berth-output-test', /cannot write the output to \/proc\/berth-output-test: ENOENT/);
    assert.equal(existsSync(path.join(work, 'missing')), false);
    const nested = path.join(work, 'new', 'a', 'b');
    await buildImage(root, { ...opts, outputs: [`type=local,dest=${nested}`] });
    assert.equal(readFileSync(path.join(nested, 'hello.txt'), 'utf8'), 'hello\n');
  });

  it('a --iidfile it cannot write is a clear error after the image is stored, from the engine and from a replay', async () => {
    const opts = { contextDir: ctx, network: 'none' as const, tags: ['out:3'] };
    const iid = path.join(work, 'missing', 'iid');
    const refused = (e: Error & { code?: string }): boolean =>
      e.code === 'INVALID_ARGUMENT' && /cannot write the image ID to --iidfile .*missing\/iid: directory .*missing does not exist/.test(e.message);
    await assert.rejects(buildImage(root, { ...opts, iidfile: iid }), refused);
    // A context changed within the last second is never memoized; wait so the next build records one.
    await new Promise((r) => setTimeout(r, 1100));
    const ok = path.join(work, 'iid');
    const first = await buildImage(root, { ...opts, iidfile: ok });
    assert.equal(readFileSync(ok, 'utf8'), first.id);
    const replay = await buildImage(root, { ...opts, iidfile: ok });
    assert.equal(replay.upToDate, true, 'the up-to-date replay writes the iidfile on its own path');
    await assert.rejects(buildImage(root, { ...opts, iidfile: iid }), refused);
  });
});
