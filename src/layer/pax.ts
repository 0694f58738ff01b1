// PAX extended header records ("<len> <key>=<value>\n"), encoded and parsed as bytes so values stay binary-safe.

import { BerthError } from '../util/errors.ts';
import type { TarTime } from './tar-header.ts';

export const XATTR_PREFIX = 'SCHILY.xattr.';
const LIBARCHIVE_XATTR_PREFIX = 'LIBARCHIVE.xattr.';

/** Encodes one record; the length prefix counts itself, so it is found by iteration. */
export function encodeRecord(key: string, value: Buffer): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const rest = 1 + keyBytes.length + 1 + value.length + 1; // ' ' key '=' value '\n'
  let len = rest + String(rest).length;
  if (String(len).length + rest !== len) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} `, 'latin1'), keyBytes, Buffer.from('='), value, Buffer.from('\n')]);
}

export function encodeRecords(records: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  return Buffer.concat(records.map(([k, v]) => encodeRecord(k, v)));
}

/**
 * Parses a PAX header body into ordered records. Each record is taken by its length prefix,
 * so a 0x0A or '=' inside a value is fine; anything inconsistent is INVALID_ARCHIVE.
 */
export function parseRecords(body: Buffer, entry: string): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  const bad = (why: string, at: number): BerthError =>
    new BerthError('INVALID_ARCHIVE', `entry '${entry}': invalid PAX record at offset ${at}: ${why}`);
  let pos = 0;
  while (pos < body.length) {
    // Trailing NUL padding after the last record is tolerated (some writers leave it).
    if (body[pos] === 0 && body.subarray(pos).every((b) => b === 0)) break;
    let i = pos;
    let len = 0;
    while (i < body.length && body[i]! >= 0x30 && body[i]! <= 0x39 && i - pos < 16) {
      len = len * 10 + (body[i]! - 0x30);
      i++;
    }
    if (i === pos || body[i] !== 0x20) throw bad('length is not a decimal number followed by a space', pos);
    if (len <= i - pos + 1 || pos + len > body.length) throw bad(`length ${len} is out of range`, pos);
    const end = pos + len;
    if (body[end - 1] !== 0x0a) throw bad('record does not end with a newline', pos);
    const eq = body.indexOf(0x3d, i + 1);
    if (eq === -1 || eq >= end - 1) throw bad("record has no '='", pos);
    if (eq === i + 1) throw bad('empty keyword', pos);
    const key = body.toString('utf8', i + 1, eq);
    // Copy: the body buffer is transient and values must outlive it.
    records.set(key, Buffer.from(body.subarray(eq + 1, end - 1)));
    pos = end;
  }
  return records;
}

/** Formats a timestamp the PAX way: seconds, and a fraction only when there is one. */
export function formatTime(t: TarTime): string {
  if (t.nsec === 0) return String(t.sec);
  if (t.sec >= 0) return `${t.sec}.${String(t.nsec).padStart(9, '0').replace(/0+$/, '')}`;
  // Negative with a fraction: -1.25 means sec -2, nsec 750000000.
  const whole = t.sec + 1;
  const frac = 1_000_000_000 - t.nsec;
  return `-${Math.abs(whole)}.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
}

export function parseTime(value: string): TarTime | undefined {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value);
  if (!m) return undefined;
  const sec = Number(m[2]);
  if (!Number.isSafeInteger(sec)) return undefined;
  const nsec = Number((m[3] ?? '').slice(0, 9).padEnd(9, '0'));
  if (m[1] !== '-') return { sec, nsec };
  return nsec === 0 ? { sec: -sec, nsec: 0 } : { sec: -sec - 1, nsec: 1_000_000_000 - nsec };
}

export function parseDecimal(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The xattr name a PAX key carries, with its value decoded, or undefined for other keys. */
export function xattrFromRecord(key: string, value: Buffer): [string, Buffer] | undefined {
  if (key.startsWith(XATTR_PREFIX)) return [key.slice(XATTR_PREFIX.length), value];
  if (key.startsWith(LIBARCHIVE_XATTR_PREFIX)) {
    // libarchive: URL-encoded name, base64 value.
    let name: string;
    try {
      name = decodeURIComponent(key.slice(LIBARCHIVE_XATTR_PREFIX.length));
    } catch {
      return undefined;
    }
    return [name, Buffer.from(value.toString('latin1'), 'base64')];
  }
  return undefined;
}
