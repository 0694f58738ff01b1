// What tar meta entries (PAX 'x' and 'g', GNU 'L' and 'K') carry over to the next real entry, and
// how they apply to its header: shared by the streaming reader and the push-fed entry checker.

import { BerthError } from '../util/errors.ts';
import { parseDecimal, parseRecords, parseTime, xattrFromRecord } from './pax.ts';
import { entryTypeOf, type RawHeader, type TarHeader } from './tar-header.ts';

function invalid(message: string): BerthError {
  return new BerthError('INVALID_ARCHIVE', message);
}

/** Extensions read so far: global PAX records last for the archive, the rest for the next entry. */
export class PendingMeta {
  private readonly globals = new Map<string, Buffer>();
  private records: Map<string, Buffer> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  /** What the pending meta entry is, for error messages ("PAX header for 'x'"), until an entry takes it. */
  pending: string | undefined;

  /** True for a meta entry's header; names it in `pending`. */
  begin(raw: RawHeader): boolean {
    const meta = raw.typeflag;
    if (meta !== 'x' && meta !== 'g' && meta !== 'L' && meta !== 'K') return false;
    this.pending = meta === 'L' || meta === 'K' ? `GNU long-name header '${meta}'` : `PAX header for '${raw.name}'`;
    return true;
  }

  /** Takes a meta entry's body (without padding). */
  fold(raw: RawHeader, body: Buffer): void {
    const meta = raw.typeflag;
    if (meta === 'L' || meta === 'K') {
      const end = body.indexOf(0);
      const text = body.subarray(0, end === -1 ? body.length : end).toString('utf8');
      if (meta === 'L') this.longName = text;
      else this.longLink = text;
      return;
    }
    const parsed = parseRecords(body, raw.name);
    if (meta === 'g') {
      for (const [k, v] of parsed) {
        if (v.length === 0) this.globals.delete(k);
        else this.globals.set(k, v);
      }
    } else {
      this.records ??= new Map();
      for (const [k, v] of parsed) this.records.set(k, v);
    }
  }

  /** The real entry's header with every pending extension applied; the per-entry ones are used up. */
  header(raw: RawHeader): TarHeader {
    const merged = new Map(this.globals);
    for (const [k, v] of this.records ?? []) merged.set(k, v);
    const header = applyExtensions(raw, merged, this.longName, this.longLink);
    this.records = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    this.pending = undefined;
    return header;
  }
}

function applyExtensions(
  raw: RawHeader,
  records: Map<string, Buffer>,
  longName: string | undefined,
  longLink: string | undefined,
): TarHeader {
  let name = longName ?? raw.name;
  let linkname = longLink ?? raw.linkname;
  let { size, uid, gid, uname, gname } = raw;
  let mtime = { sec: raw.mtime, nsec: 0 };
  let atime: TarHeader['atime'];
  let ctime: TarHeader['ctime'];
  const xattrs = new Map<string, Buffer>();
  const pax = new Map<string, Buffer>();
  const label = (): string => `entry '${name}'`;
  const bad = (key: string, value: Buffer): BerthError =>
    invalid(`${label()}: invalid PAX record ${key}=${JSON.stringify(value.toString('latin1').slice(0, 40))}`);
  // 'path' first so errors about other records name the real entry.
  const path = records.get('path');
  if (path && path.length > 0) name = path.toString('utf8');
  for (const [key, value] of records) {
    if (value.length === 0) continue; // an empty value unsets the keyword (falls back to the header)
    const text = (): string => value.toString('utf8');
    switch (key) {
      case 'path':
        break;
      case 'linkpath':
        linkname = text();
        break;
      case 'size':
      case 'uid':
      case 'gid': {
        const n = parseDecimal(text());
        if (n === undefined) throw bad(key, value);
        if (key === 'size') size = n;
        else if (key === 'uid') uid = n;
        else gid = n;
        break;
      }
      case 'uname':
        uname = text();
        break;
      case 'gname':
        gname = text();
        break;
      case 'mtime':
      case 'atime':
      case 'ctime': {
        const t = parseTime(text());
        if (!t) throw bad(key, value);
        if (key === 'mtime') mtime = t;
        else if (key === 'atime') atime = t;
        else ctime = t;
        break;
      }
      default: {
        if (key.startsWith('GNU.sparse.')) throw invalid(`${label()}: GNU sparse files are not supported`);
        const xattr = xattrFromRecord(key, value);
        if (xattr) xattrs.set(xattr[0], xattr[1]);
        else pax.set(key, value);
      }
    }
  }
  let type = entryTypeOf(raw.typeflag);
  if (type === undefined) throw invalid(`${label()}: unsupported entry type '${raw.typeflag.replace('\0', '\\0')}'`);
  if (type === 'file' && raw.typeflag === '\0' && name.endsWith('/')) type = 'dir'; // pre-POSIX directory
  if (name === '') throw invalid(`entry at an unnamed header: empty path`);
  if (name.includes('\0') || linkname.includes('\0')) throw invalid(`${label()}: path contains a NUL byte`);
  if (type === 'dir' && name.length > 1) name = name.replace(/\/+$/, '') || '/';
  if ((type === 'symlink' || type === 'hardlink') && linkname === '') {
    throw invalid(`${label()}: ${type} without a target`);
  }
  return {
    name,
    type,
    mode: raw.mode,
    uid,
    gid,
    size: type === 'file' ? size : 0, // other types carry no data, whatever the size field says
    mtime,
    linkname: type === 'symlink' || type === 'hardlink' ? linkname : '',
    uname,
    gname,
    devmajor: type === 'char' || type === 'block' ? raw.devmajor : 0,
    devminor: type === 'char' || type === 'block' ? raw.devminor : 0,
    atime,
    ctime,
    xattrs,
    pax,
  };
}
