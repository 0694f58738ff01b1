// Encodes a TarHeader as header blocks: a ustar block, preceded by a PAX 'x' header when a field does not fit.

import { BerthError } from '../util/errors.ts';
import { encodeRecords, formatTime, XATTR_PREFIX } from './pax.ts';
import {
  BLOCK_SIZE,
  FIELD,
  octalMax,
  sealChecksum,
  typeFlagOf,
  writeBase256,
  writeOctal,
  writeString,
  type TarHeader,
} from './tar-header.ts';

const MAX_ID = octalMax(8); // 2097151
const MAX_SIZE = octalMax(12); // 8 GiB - 1
const MAX_TIME = octalMax(12);

/** Bytes of zero padding after a body of `size` bytes. */
export function paddingFor(size: number): number {
  const rem = size % BLOCK_SIZE;
  return rem === 0 ? 0 : BLOCK_SIZE - rem;
}

function isAscii(b: Buffer): boolean {
  for (const c of b) if (c === 0 || c > 0x7e) return false;
  return true;
}

/** Splits a path into ustar prefix (≤155) and name (≤100) at a '/', or undefined if it cannot be. */
function splitUstar(path: Buffer): [Buffer, Buffer] | undefined {
  if (path.length <= 100) return [Buffer.alloc(0), path];
  if (path.length > 256) return undefined;
  for (let i = Math.min(path.length - 1, 155); i > 0; i--) {
    if (path[i] === 0x2f && path.length - i - 1 <= 100 && path.length - i - 1 > 0) {
      return [path.subarray(0, i), path.subarray(i + 1)];
    }
  }
  return undefined;
}

interface Block {
  name: Buffer;
  prefix: Buffer;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: Buffer;
  uname: Buffer;
  gname: Buffer;
  devmajor: number;
  devminor: number;
}

function encodeBlock(b: Block): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  writeString(block, FIELD.name, b.name);
  writeOctal(block, FIELD.mode, b.mode);
  writeOctal(block, FIELD.uid, b.uid);
  writeOctal(block, FIELD.gid, b.gid);
  writeOctal(block, FIELD.size, b.size);
  writeOctal(block, FIELD.mtime, b.mtime);
  block.write(b.typeflag, FIELD.typeflag[0], 1, 'latin1');
  writeString(block, FIELD.linkname, b.linkname);
  block.write('ustar\0' + '00', FIELD.magic[0], 8, 'latin1');
  writeString(block, FIELD.uname, b.uname);
  writeString(block, FIELD.gname, b.gname);
  for (const key of ['devmajor', 'devminor'] as const) {
    if (b[key] <= MAX_ID) writeOctal(block, FIELD[key], b[key]);
    else writeBase256(block, FIELD[key], b[key]);
  }
  writeString(block, FIELD.prefix, b.prefix);
  sealChecksum(block);
  return block;
}

/**
 * Header blocks for one entry. Field order in the PAX record set is fixed (path, linkpath, size,
 * uid, gid, uname, gname, mtime, atime, ctime, xattrs by name, other records by key), so equal
 * headers always encode to equal bytes.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const records: Array<[string, Buffer]> = [];
  const label = `entry '${h.name}'`;
  if (h.name.includes('\0') || h.linkname.includes('\0')) {
    throw new BerthError('INVALID_ARGUMENT', `${label}: names cannot contain NUL bytes`);
  }
  const path = Buffer.from(h.type === 'dir' && !h.name.endsWith('/') ? `${h.name}/` : h.name, 'utf8');
  let split = isAscii(path) ? splitUstar(path) : undefined;
  if (!split) {
    records.push(['path', path]);
    split = [Buffer.alloc(0), path.subarray(0, 100)];
  }
  let linkname = Buffer.from(h.linkname, 'utf8');
  if (linkname.length > 100 || !isAscii(linkname)) {
    records.push(['linkpath', linkname]);
    linkname = linkname.subarray(0, 100);
  }
  const size = h.type === 'file' ? h.size : 0;
  if (!Number.isSafeInteger(size) || size < 0) throw new BerthError('INVALID_ARGUMENT', `${label}: invalid size ${size}`);
  if (size > MAX_SIZE) records.push(['size', Buffer.from(String(size))]);
  for (const key of ['uid', 'gid'] as const) {
    if (!Number.isSafeInteger(h[key]) || h[key] < 0) throw new BerthError('INVALID_ARGUMENT', `${label}: invalid ${key}`);
    if (h[key] > MAX_ID) records.push([key, Buffer.from(String(h[key]))]);
  }
  let uname = Buffer.from(h.uname, 'utf8');
  let gname = Buffer.from(h.gname, 'utf8');
  if (uname.length > 32 || !isAscii(uname)) {
    records.push(['uname', uname]);
    uname = Buffer.alloc(0);
  }
  if (gname.length > 32 || !isAscii(gname)) {
    records.push(['gname', gname]);
    gname = Buffer.alloc(0);
  }
  const mt = h.mtime;
  if (mt.nsec !== 0 || mt.sec < 0 || mt.sec > MAX_TIME) records.push(['mtime', Buffer.from(formatTime(mt))]);
  if (h.atime) records.push(['atime', Buffer.from(formatTime(h.atime))]);
  if (h.ctime) records.push(['ctime', Buffer.from(formatTime(h.ctime))]);
  for (const name of [...h.xattrs.keys()].sort(byteOrder)) records.push([XATTR_PREFIX + name, h.xattrs.get(name)!]);
  for (const key of [...h.pax.keys()].sort(byteOrder)) records.push([key, h.pax.get(key)!]);

  const mtimeField = Math.min(Math.max(mt.sec, 0), MAX_TIME);
  const entry = encodeBlock({
    name: split[1],
    prefix: split[0],
    typeflag: typeFlagOf(h.type),
    mode: h.mode & 0o7777,
    uid: Math.min(h.uid, MAX_ID),
    gid: Math.min(h.gid, MAX_ID),
    size: size > MAX_SIZE ? 0 : size,
    mtime: mtimeField,
    linkname,
    uname,
    gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
  });
  if (records.length === 0) return entry;

  const body = encodeRecords(records);
  const base = path.toString('utf8').replace(/\/+$/, '').split('/').pop() ?? '';
  const paxHeader = encodeBlock({
    name: Buffer.from(`PaxHeaders/${base}`, 'utf8').subarray(0, 100),
    prefix: Buffer.alloc(0),
    typeflag: 'x',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: mtimeField,
    linkname: Buffer.alloc(0),
    uname: Buffer.alloc(0),
    gname: Buffer.alloc(0),
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, body, Buffer.alloc(paddingFor(body.length)), entry]);
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
