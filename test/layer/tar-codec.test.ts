// Tar codec: writer→reader round trips for every entry type and PAX case, determinism, and rejection of bad input.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { TarWriter, packTar, readTar, type TarEntryInput } from '../../src/layer/index.ts';
import { parseRecords, encodeRecord } from '../../src/layer/pax.ts';
import { encodeHeader } from '../../src/layer/tar-encode.ts';
import { normalizeHeader } from '../../src/layer/tar-writer.ts';
import { collect, patchChecksum, readAll, rejectsWith, tarOf } from './helpers.ts';

const BIN = Buffer.from([0xff, 0x00, 0x80, 0x0a, 0x3d]);
const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_bind_service, binary

describe('tar writer → reader round trip', () => {
  it('keeps every entry type and its metadata', async () => {
    const long100 = `${'a'.repeat(60)}/${'b'.repeat(70)}`; // >100 bytes, splits into ustar prefix
    const long255 = `${'c'.repeat(150)}/${'d'.repeat(150)}/e.txt`; // >255: PAX path
    const entries: Array<{ header: TarEntryInput; body?: string | Buffer }> = [
      { header: { name: 'dir', type: 'dir', mode: 0o1777, uid: 1, gid: 2, mtime: 1_700_000_000 } },
      {
        header: {
          name: 'dir/file',
          type: 'file',
          mode: 0o4755,
          uid: 1_000_000,
          gid: 3_000_000,
          uname: 'someone',
          gname: 'grüppe',
          mtime: 2_208_988_800, // 2040
          xattrs: { 'user.bin': BIN, 'security.capability': CAP },
        },
        body: 'hello\n',
      },
      { header: { name: long100, type: 'file', mode: 0o2640 }, body: Buffer.alloc(513, 7) },
      { header: { name: long255, type: 'file' }, body: '' },
      { header: { name: 'dir/link', type: 'symlink', linkname: `../${'z'.repeat(300)}` } },
      { header: { name: 'dir/hard', type: 'hardlink', linkname: 'dir/file' } },
      { header: { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 } },
      { header: { name: 'dev/sda', type: 'block', mode: 0o660, devmajor: 8, devminor: 3_000_000 } },
      { header: { name: 'fifo', type: 'fifo', mode: 0o600 } },
      { header: { name: 'ünïcødé/ファイル', type: 'file' }, body: 'x' },
      { header: { name: 'old', type: 'file', mtime: -86_400 * 365 } },
    ];
    const read = await readAll(await tarOf(entries));
    assert.equal(read.length, entries.length);
    for (const [i, { header: want, body }] of entries.entries()) {
      const got = read[i]!;
      const exp = normalizeHeader(want, {}, body === undefined ? undefined : Buffer.from(body).length);
      assert.deepEqual(got.header, { ...exp, atime: undefined, ctime: undefined }, `entry ${want.name}`);
      assert.deepEqual(got.body, Buffer.from(body ?? ''));
    }
    assert.deepEqual(read[1]!.header.xattrs.get('user.bin'), BIN);
  });

  it('writes PAX only when a field does not fit, with sub-second times on request', async () => {
    const plain = encodeHeader(normalizeHeader({ name: 'a', type: 'file', size: 1, uid: 2_097_151 }));
    assert.equal(plain.length, 512, 'fits ustar: one block');
    const big = normalizeHeader({ name: 'huge', type: 'file', size: 9 * 2 ** 30, mtime: { sec: 5, nsec: 250_000_000 } }, { subsecondMtime: true });
    const blocks = encodeHeader(big);
    assert.equal(blocks[156], 'x'.charCodeAt(0));
    const records = parseRecords(blocks.subarray(512, 512 + Number.parseInt(blocks.toString('latin1', 124, 135), 8)), 'huge');
    assert.deepEqual([...records.keys()], ['size', 'mtime']);
    assert.equal(records.get('size')!.toString(), String(9 * 2 ** 30));
    assert.equal(records.get('mtime')!.toString(), '5.25');
    // The reader takes the size from PAX: feed it the header and see the body is expected.
    const it = readTar([blocks, Buffer.alloc(1024)]);
    const first = await it.next();
    assert.equal(first.done, false);
    if (!first.done) {
      assert.equal(first.value.header.size, 9 * 2 ** 30);
      assert.deepEqual(first.value.header.mtime, { sec: 5, nsec: 250_000_000 });
    }
    await rejectsWith(it.next(), 'INVALID_ARCHIVE', /entry 'huge'.*truncated/);
  });

  it('is deterministic and clamps mtimes', async () => {
    const entries = (): Array<{ header: TarEntryInput; body?: string }> => [
      { header: { name: 'b', type: 'file', mtime: 4_000_000_000.5, xattrs: { 'user.z': 'z', 'user.a': 'a' } }, body: 'b' },
      { header: { name: 'a', type: 'dir', mtime: 10 } },
    ];
    const one = await collect(packTar(entries(), { clampMtime: 1_000_000 }));
    const two = await collect(packTar(entries(), { clampMtime: 1_000_000 }));
    assert.deepEqual(one, two);
    const read = await readAll(one);
    assert.deepEqual(read.map((e) => e.header.mtime.sec), [1_000_000, 10]);
    assert.deepEqual([...read[0]!.header.xattrs.keys()], ['user.a', 'user.z']);
    assert.equal(read[0]!.header.atime, undefined);
  });

  it('TarWriter streams bodies with backpressure and checks their size', async () => {
    const w = new TarWriter();
    const reading = readAll(w.stream);
    await w.add({ name: 'big', type: 'file', size: 3 << 20 }, Readable.from([Buffer.alloc(1 << 20), Buffer.alloc(2 << 20, 1)]));
    await w.add({ name: 'small', type: 'file' }, 'ok');
    await w.finish();
    const read = await reading;
    assert.deepEqual(read.map((e) => [e.header.name, e.body.length]), [['big', 3 << 20], ['small', 2]]);
    const bad = new TarWriter();
    bad.stream.resume();
    await rejectsWith(bad.add({ name: 'short', type: 'file', size: 10 }, Readable.from([Buffer.alloc(4)])), 'INVALID_ARGUMENT', /short.*4 bytes.*10/);
  });

  it('parses PAX records by length, so newlines and = inside values survive', () => {
    const rec = Buffer.concat([encodeRecord('SCHILY.xattr.user.x', Buffer.from('a\n=b\n')), encodeRecord('path', Buffer.from('p'))]);
    const parsed = parseRecords(rec, 'e');
    assert.deepEqual(parsed.get('SCHILY.xattr.user.x'), Buffer.from('a\n=b\n'));
    assert.equal(parsed.get('path')!.toString(), 'p');
  });

  it('applies global PAX headers and lets a per-entry empty value unset them', async () => {
    const g = encodeHeader({ ...normalizeHeader({ name: 'g', type: 'file' }) });
    // Build 'g' and 'x' headers by hand: a global uname, overridden empty for the second entry.
    const meta = (flag: string, body: Buffer): Buffer => {
      const h = Buffer.from(g);
      h.write(flag, 156, 1, 'latin1');
      h.write(body.length.toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
      patchChecksum(h, 0);
      return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
    };
    const tar = Buffer.concat([
      meta('g', encodeRecord('uname', Buffer.from('globaluser'))),
      encodeHeader(normalizeHeader({ name: 'one', type: 'dir' })),
      meta('x', encodeRecord('uname', Buffer.alloc(0))),
      encodeHeader(normalizeHeader({ name: 'two', type: 'dir', uname: 'own' })),
      Buffer.alloc(1024),
    ]);
    const read = await readAll(tar);
    assert.deepEqual(read.map((e) => e.header.uname), ['globaluser', 'own']);
  });
});

describe('tar reader rejects bad input', () => {
  const good = async (): Promise<Buffer> =>
    tarOf([
      { header: { name: 'first', type: 'file' }, body: 'x'.repeat(600) },
      { header: { name: 'second', type: 'file' }, body: 'y' },
    ]);

  it('a bad header checksum', async () => {
    const tar = await good();
    tar[0] = 'F'.charCodeAt(0);
    await rejectsWith(readAll(tar), 'INVALID_ARCHIVE', /entry 'First'.*checksum/);
  });

  it('random bytes: no header at all, so no made-up entry name in the message', async () => {
    const noise = Buffer.alloc(5120);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 251;
    await rejectsWith(readAll(noise), 'INVALID_ARCHIVE', /^header at byte 0: not a tar header \(corrupt or not a tar archive\)$/);
  });

  it('a truncated archive (inside a body, inside a header, without an end marker)', async () => {
    const tar = await good();
    await rejectsWith(readAll(tar.subarray(0, 700)), 'INVALID_ARCHIVE', /entry 'first'.*truncated.*188 of 600/);
    await rejectsWith(readAll(tar.subarray(0, 1536 + 100)), 'INVALID_ARCHIVE', /truncated inside the header/);
    await rejectsWith(readAll(tar.subarray(0, 2048)), 'INVALID_ARCHIVE', /entry 'second'.*truncated/);
    await rejectsWith(readAll(tar.subarray(0, 2560)), 'INVALID_ARCHIVE', /no end-of-archive marker/);
    let n = 0;
    for await (const _ of readTar([tar.subarray(0, 2560)], { allowMissingEnd: true })) n++;
    assert.equal(n, 2);
  });

  it('a size header larger than the body', async () => {
    const tar = await tarOf([{ header: { name: 'liar', type: 'file' }, body: 'abc' }]);
    tar.write((1 << 20).toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
    patchChecksum(tar, 0);
    const err = await rejectsWith(readAll(tar), 'INVALID_ARCHIVE', /entry 'liar'.*truncated.*of 1048576 bytes/);
    assert.match(err.message, /size header is larger than the data/);
  });

  it('invalid PAX records', async () => {
    const tar = await tarOf([{ header: { name: 'p'.repeat(120), type: 'file' }, body: '' }]);
    const paxBody = tar.indexOf(' path=');
    tar.write('9', paxBody - 3, 1, 'latin1'); // length prefix now wrong
    await rejectsWith(readAll(tar), 'INVALID_ARCHIVE', /invalid PAX record/);
    const t2 = await tarOf([{ header: { name: 'n', type: 'file', uid: 3_000_000 } }]);
    t2.write('3x00000', t2.indexOf('uid=') + 4, 'latin1');
    await rejectsWith(readAll(t2), 'INVALID_ARCHIVE', /entry 'n': invalid PAX record uid=/);
  });

  it('an oversized PAX header and unsupported entry types', async () => {
    const tar = await tarOf([{ header: { name: 'x', type: 'file', xattrs: { 'user.big': Buffer.alloc(2 << 20) } } }]);
    await rejectsWith(readAll(tar), 'INVALID_ARCHIVE', /exceeds the 1048576-byte limit/);
    const t2 = await tarOf([{ header: { name: 'sparse', type: 'file' } }]);
    t2.write('S', 156, 1, 'latin1');
    patchChecksum(t2, 0);
    await rejectsWith(readAll(t2), 'INVALID_ARCHIVE', /entry 'sparse': unsupported entry type 'S'/);
  });

  it('skips unread bodies and keeps memory to one chunk', async () => {
    const tar = await good();
    const names: string[] = [];
    for await (const { header } of readTar([tar])) names.push(header.name); // bodies never read
    assert.deepEqual(names, ['first', 'second']);
  });
});
