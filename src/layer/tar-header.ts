// Tar header model and block codec: ustar fields, octal and base-256 numbers, checksums, entry types.

import { BerthError } from '../util/errors.ts';

export const BLOCK_SIZE = 512;

/** The entry kinds berth reads and writes; meta entries (PAX, GNU long names) never surface. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** A timestamp with nanosecond precision (a double cannot hold both epoch seconds and nanoseconds). */
export interface TarTime {
  sec: number;
  nsec: number;
}

/** One archive entry's metadata, after PAX / GNU extensions have been applied. */
export interface TarHeader {
  /** Path as stored (no trailing slash; a directory is known by `type`). */
  name: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Body length in bytes; 0 for every type but `file`. */
  size: number;
  mtime: TarTime;
  /** Link target for `symlink` and `hardlink`, otherwise ''. */
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  atime?: TarTime | undefined;
  ctime?: TarTime | undefined;
  /** Extended attributes, values as raw bytes (`SCHILY.xattr.<name>`). */
  xattrs: Map<string, Buffer>;
  /** PAX records berth does not interpret, kept verbatim. */
  pax: Map<string, Buffer>;
}

const TYPE_FLAGS: Record<EntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

export function typeFlagOf(type: EntryType): string {
  return TYPE_FLAGS[type];
}

/** Maps a type flag to an entry type; `undefined` for meta or unsupported flags. */
export function entryTypeOf(flag: string): EntryType | undefined {
  switch (flag) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return undefined;
  }
}

// Field offsets and widths of the ustar header block.
export const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

/** Largest value an octal field of `width` bytes holds (width-1 digits plus a NUL). */
export function octalMax(width: number): number {
  return 8 ** (width - 1) - 1;
}

export function writeOctal(block: Buffer, [offset, width]: readonly [number, number], value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  block.write(digits + '\0', offset, width, 'latin1');
}

/** GNU base-256: high bit set in the first byte, big-endian two's complement in the rest. */
export function writeBase256(block: Buffer, [offset, width]: readonly [number, number], value: number): void {
  let v = BigInt(value);
  for (let i = offset + width - 1; i > offset; i--) {
    block[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  block[offset] = value < 0 ? 0xff : 0x80;
}

export function writeString(block: Buffer, [offset, width]: readonly [number, number], bytes: Buffer): void {
  bytes.copy(block, offset, 0, Math.min(width, bytes.length));
}

export function computeChecksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  }
  return sum;
}

/** Historic tars summed signed bytes; both sums are accepted when reading. */
function computeSignedChecksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    sum += i >= 148 && i < 156 ? 0x20 : (block[i]! << 24) >> 24;
  }
  return sum;
}

export function sealChecksum(block: Buffer): void {
  const sum = computeChecksum(block);
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function fieldBytes(block: Buffer, [offset, width]: readonly [number, number]): Buffer {
  return block.subarray(offset, offset + width);
}

/** A NUL-terminated string field, decoded as UTF-8. */
export function readString(block: Buffer, field: readonly [number, number]): string {
  const raw = fieldBytes(block, field);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
}

/** Parses an octal (space/NUL padded) or base-256 numeric field; `undefined` if malformed. */
export function readNumber(block: Buffer, field: readonly [number, number]): number | undefined {
  const raw = fieldBytes(block, field);
  const first = raw[0]!;
  if (first & 0x80) {
    let v = BigInt(first & 0x7f) - (first & 0x40 ? 0x80n : 0n);
    for (let i = 1; i < raw.length; i++) v = (v << 8n) | BigInt(raw[i]!);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
    return Number(v);
  }
  let i = 0;
  while (i < raw.length && (raw[i] === 0x20 || raw[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return undefined;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < raw.length; i++) if (raw[i] !== 0x20 && raw[i] !== 0) return undefined;
  return digits > 16 ? undefined : value;
}

export type BlockFormat = 'ustar' | 'gnu' | 'v7';

/** The fields of one 512-byte header block, before extensions are applied. */
export interface RawHeader {
  typeflag: string;
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  format: BlockFormat;
}

function invalid(message: string): BerthError {
  return new BerthError('INVALID_ARCHIVE', message);
}

/**
 * Decodes and validates one header block. `at` is the block's byte offset, used in messages.
 * Throws INVALID_ARCHIVE on a bad checksum or a malformed numeric field.
 */
export function decodeBlock(block: Buffer, at: number): RawHeader {
  const magic = block.toString('latin1', 257, 263);
  const version = block.toString('latin1', 263, 265);
  const format: BlockFormat = magic === 'ustar\0' ? 'ustar' : magic === 'ustar ' && version === ' \0' ? 'gnu' : 'v7';
  let name = readString(block, FIELD.name);
  if (format === 'ustar') {
    const prefix = readString(block, FIELD.prefix);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const label = `entry '${name}' (header at byte ${at})`;
  const stored = readNumber(block, FIELD.chksum);
  if (stored === undefined || (stored !== computeChecksum(block) && stored !== computeSignedChecksum(block))) {
    // Without the ustar magic either, nothing says this block is a header: its "name" is noise.
    if (format === 'v7') throw invalid(`header at byte ${at}: not a tar header (corrupt or not a tar archive)`);
    throw invalid(`${label}: header checksum mismatch (corrupt or not a tar archive)`);
  }
  const num = (key: keyof typeof FIELD, optional = false): number => {
    const v = readNumber(block, FIELD[key]);
    if (v === undefined) {
      if (optional) return 0;
      throw invalid(`${label}: malformed numeric field '${key}'`);
    }
    return v;
  };
  const v7 = format === 'v7';
  return {
    typeflag: String.fromCharCode(block[156]!),
    name,
    linkname: readString(block, FIELD.linkname),
    mode: num('mode') & 0o7777,
    uid: num('uid'),
    gid: num('gid'),
    size: num('size'),
    mtime: num('mtime'),
    uname: v7 ? '' : readString(block, FIELD.uname),
    gname: v7 ? '' : readString(block, FIELD.gname),
    // Some writers leave device fields blank or garbage for non-device entries.
    devmajor: v7 ? 0 : num('devmajor', true),
    devminor: v7 ? 0 : num('devminor', true),
    format,
  };
}
