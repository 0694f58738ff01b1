// The push-fed EntryChecker (a download checked as it arrives) against the stream reader's
// checkLayerEntries as the oracle: for sound, hostile and cut-short archives, fed whole, byte by
// byte and in odd-sized chunks, both give the same entry count or the same error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { checkLayerEntries } from '../../src/layer/index.ts';
import { EntryChecker } from '../../src/layer/entry-checker.ts';
import { encodeRecord } from '../../src/layer/pax.ts';
import { encodeHeader } from '../../src/layer/tar-encode.ts';
import { normalizeHeader } from '../../src/layer/tar-writer.ts';
import type { BerthError } from '../../src/util/errors.ts';
import { patchChecksum, removeDir, tarOf, tempDir } from './helpers.ts';

function describeError(e: unknown): string {
  const err = e as BerthError;
  return `${err.code}: ${err.message}`;
}

async function viaReader(tar: Buffer): Promise<string> {
  try {
    return `ok ${await checkLayerEntries(Readable.from([tar]))}`;
  } catch (e) {
    return describeError(e);
  }
}

function viaChecker(tar: Buffer, step: number): string {
  const checker = new EntryChecker();
  try {
    for (let off = 0; off < tar.length; off += step) checker.push(tar.subarray(off, off + step));
    return `ok ${checker.end()}`;
  } catch (e) {
    return describeError(e);
  }
}

/** Same verdict as the reader, whatever the chunking; returns it. */
async function agree(tar: Buffer, label: string, steps = [1, 7, 511, 512, 513, 4096]): Promise<string> {
  const expected = await viaReader(tar);
  for (const step of [tar.length || 1, ...steps]) {
    assert.equal(viaChecker(tar, step), expected, `${label}, chunks of ${step}`);
  }
  return expected;
}

/** A meta entry ('g', 'x', 'L', 'K') built by hand, padded. */
function meta(flag: string, body: Buffer, name = 'meta'): Buffer {
  const h = encodeHeader(normalizeHeader({ name, type: 'file' }));
  h.write(flag, 156, 1, 'latin1');
  h.write(body.length.toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
  patchChecksum(h, 0);
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

const dirHeader = (name: string): Buffer => encodeHeader(normalizeHeader({ name, type: 'dir' }));

describe('EntryChecker agrees with checkLayerEntries', () => {
  let dir = '';
  before(async () => { dir = await tempDir('berth-entry-checker-'); });
  after(async () => removeDir(dir));

  it('sound archives: files, links, long names (PAX), xattrs, whiteouts, empty bodies', async () => {
    const long = `${'deep/'.repeat(40)}file.txt`;
    const tar = await tarOf([
      { header: { name: 'etc', type: 'dir' } },
      { header: { name: 'etc/a.txt', type: 'file' }, body: 'hello\n' },
      { header: { name: 'etc/empty', type: 'file' }, body: '' },
      { header: { name: 'etc/big', type: 'file' }, body: Buffer.alloc(70_000, 1) },
      { header: { name: 'etc/link', type: 'symlink', linkname: '../somewhere/else' } },
      { header: { name: 'etc/hard', type: 'hardlink', linkname: 'etc/a.txt' } },
      { header: { name: long, type: 'file', xattrs: new Map([['user.k', Buffer.from('v')]]) }, body: 'x'.repeat(513) },
      { header: { name: 'etc/.wh.gone', type: 'file' }, body: '' },
      { header: { name: 'etc/.wh..wh..opq', type: 'file' }, body: '' },
    ]);
    assert.equal(await agree(tar, 'sound'), 'ok 9');
    // Anything after the end-of-archive marker is ignored by both.
    assert.equal(await agree(Buffer.concat([tar, Buffer.from('trailing junk')]), 'junk after the end'), 'ok 9');
  });

  it('GNU tar archives with ././@LongLink entries', async () => {
    const src = path.join(dir, 'gnu');
    const long = 'n'.repeat(150);
    mkdirSync(path.join(src, long), { recursive: true });
    writeFileSync(path.join(src, long, `${'f'.repeat(120)}.txt`), 'gnu body\n');
    const out = path.join(dir, 'gnu.tar');
    const r = spawnSync('tar', ['--format=gnu', '-C', src, '-cf', out, '.'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await agree(readFileSync(out), 'gnu'), 'ok 3');
  });

  it('global and per-entry PAX headers', async () => {
    const tar = Buffer.concat([
      meta('g', encodeRecord('uname', Buffer.from('globaluser'))),
      dirHeader('one'),
      meta('x', encodeRecord('path', Buffer.from('renamed/by/pax'))),
      dirHeader('two'),
      Buffer.alloc(1024),
    ]);
    assert.equal(await agree(tar, 'pax'), 'ok 2');
  });

  it('hostile entries: .. paths, escaping hardlinks, malformed whiteouts, bad checksums', async () => {
    const dotdot = await tarOf([{ header: { name: 'a/../../escape.txt', type: 'file' }, body: 'x' }]);
    assert.match(await agree(dotdot, '..'), /^UNSAFE_PATH: .*escape\.txt/);
    const hard = await tarOf([{ header: { name: 'h', type: 'hardlink', linkname: '../outside' } }]);
    assert.match(await agree(hard, 'hardlink'), /^UNSAFE_PATH: hardlink 'h'/);
    const wh = await tarOf([{ header: { name: 'd/.wh..wh.other', type: 'file' }, body: '' }]);
    assert.match(await agree(wh, 'whiteout'), /^INVALID_ARCHIVE: .*malformed whiteout/);
    const bad = await tarOf([{ header: { name: 'a', type: 'file' }, body: 'x' }]);
    bad[10] = 0x41; // the name changes, the checksum does not
    assert.match(await agree(bad, 'checksum'), /^INVALID_ARCHIVE: .*checksum/);
    const pendingAtEnd = Buffer.concat([meta('x', encodeRecord('path', Buffer.from('p'))), Buffer.alloc(1024)]);
    assert.match(await agree(pendingAtEnd, 'meta at the end'), /has no entry/);
    const hugeMeta = meta('x', Buffer.alloc(0));
    hugeMeta.write((2 << 20).toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
    patchChecksum(hugeMeta, 0);
    assert.match(await agree(hugeMeta, 'huge meta'), /exceeds the 1048576-byte limit/);
  });

  it('an archive cut at every byte gives the same error', async () => {
    const tar = Buffer.concat([
      meta('x', encodeRecord('path', Buffer.from('p'.repeat(200)))),
      await tarOf([
        { header: { name: 'f', type: 'file' }, body: 'body bytes' },
        { header: { name: 'g', type: 'file' }, body: Buffer.alloc(1024, 2) },
      ]),
    ]);
    const verdicts = new Set<string>();
    for (let cut = 0; cut <= tar.length; cut++) verdicts.add((await agree(tar.subarray(0, cut), `cut at ${cut}`, [1, 513])).replace(/\d+/g, 'N'));
    // Every kind of cut was met: no end marker, inside a header, the PAX header, a body, its padding.
    for (const kind of [/no end-of-archive marker/, /inside the header/, /inside the PAX header/, /body ends after/, /body padding/, /^ok/]) {
      assert.ok([...verdicts].some((v) => kind.test(v)), `no cut gave ${kind}: ${[...verdicts].join(' | ')}`);
    }
  });
});
