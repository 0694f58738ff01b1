// clampTarTimes (SOURCE_DATE_EPOCH's rewrite-timestamp): later mtimes/atimes/ctimes become the epoch,
// earlier ones stay, and everything else of an entry (body, mode, owner, link, xattrs) is kept;
// checked by reading the output back with berth's reader and with GNU tar. Also the -o image exporter options that drive it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { clampTarTimes, packTar, readTar, type TarHeader } from '../../src/layer/index.ts';
import { parseOutput } from '../../src/exporters/build-output.ts';

const EPOCH = 1_700_000_000;

async function entries(tar: Buffer): Promise<Array<{ header: TarHeader; body: string }>> {
  const out: Array<{ header: TarHeader; body: string }> = [];
  for await (const e of readTar([tar])) out.push({ header: e.header, body: (await buffer(e.body)).toString('utf8') });
  return out;
}

describe('clampTarTimes', () => {
  it('clamps later times to the epoch, keeps earlier ones and the rest of each entry', async () => {
    const source = await buffer(packTar([
      { header: { name: 'new.txt', type: 'file', mode: 0o640, uid: 7, gid: 8, mtime: EPOCH + 99, atime: EPOCH + 5, ctime: EPOCH + 6, xattrs: { 'user.k': 'v' } }, body: 'fresh\n' },
      { header: { name: 'old.txt', type: 'file', mtime: 1_000_000_000 }, body: 'old\n' },
      { header: { name: 'dir', type: 'dir', mtime: EPOCH + 1 } },
      { header: { name: 'dir/link', type: 'symlink', linkname: '../new.txt', mtime: EPOCH + 2 } },
      { header: { name: 'hard', type: 'hardlink', linkname: 'new.txt', mtime: EPOCH } },
    ], { subsecondMtime: true }));
    const out = await buffer(clampTarTimes([source], EPOCH));
    const got = await entries(out);
    assert.deepEqual(got.map((e) => [e.header.name, e.header.mtime.sec]), [
      ['new.txt', EPOCH], ['old.txt', 1_000_000_000], ['dir', EPOCH], ['dir/link', EPOCH], ['hard', EPOCH],
    ]);
    const first = got[0]!.header;
    assert.deepEqual([first.mode, first.uid, first.gid, first.atime?.sec, first.ctime?.sec], [0o640, 7, 8, EPOCH, EPOCH]);
    assert.equal(first.xattrs.get('user.k')?.toString(), 'v');
    assert.equal(got[0]!.body, 'fresh\n');
    assert.equal(got[1]!.body, 'old\n');
    assert.equal(got[3]!.header.linkname, '../new.txt');
    // GNU tar reads it the same way.
    const listing = execFileSync('tar', ['--full-time', '--numeric-owner', '-tvf', '-'], { input: out, encoding: 'utf8' });
    assert.match(listing, /7\/8 +6 2023-11-14 22:13:20 new\.txt/);
    assert.match(listing, /2001-09-09 01:46:40 old\.txt/);
  });

  it('is deterministic: the same input gives the same bytes', async () => {
    const source = await buffer(packTar([{ header: { name: 'a', type: 'file', mtime: EPOCH + 10 }, body: 'x' }]));
    const [x, y] = [await buffer(clampTarTimes([source], EPOCH)), await buffer(clampTarTimes([source], EPOCH))];
    assert.ok(x.equals(y));
  });
});

describe('-o image exporter options', () => {
  it('compression, compression-level, force-compression, rewrite-timestamp, oci-mediatypes for docker and oci', () => {
    assert.deepEqual(parseOutput('type=oci,dest=x.tar,compression=zstd,compression-level=9,force-compression=true'), {
      type: 'oci', dest: 'x.tar', compression: { type: 'zstd', level: 9, force: true },
    });
    assert.deepEqual(parseOutput('type=docker,dest=x.tar,compression=uncompressed'), { type: 'docker', dest: 'x.tar', compression: { type: 'none' } });
    assert.deepEqual(parseOutput('type=oci,dest=x.tar,rewrite-timestamp=false,oci-mediatypes=true'), { type: 'oci', dest: 'x.tar', rewriteTimestamp: false });
    assert.throws(() => parseOutput('type=oci,dest=x,compression=lz4'), /unsupported compression "lz4"/);
    assert.throws(() => parseOutput('type=oci,dest=x,compression=gzip,compression-level=12'), /invalid compression-level "12" for gzip/);
    assert.throws(() => parseOutput('type=oci,dest=x,force-compression=maybe'), /invalid value "maybe" for output option force-compression/);
    assert.throws(() => parseOutput('type=oci,dest=x,oci-mediatypes=false'), /oci-mediatypes=false is not supported/);
    assert.throws(() => parseOutput('type=local,dest=x,compression=zstd'), /unsupported output option "compression" for type=local/);
  });
});
