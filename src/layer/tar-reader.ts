// Streaming tar reader: async iterator of {header, body}; ustar, PAX (global + per-entry), GNU L/K, base-256.

import { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { ByteSource } from './byte-source.ts';
import { parseDecimal, parseRecords, parseTime, xattrFromRecord } from './pax.ts';
import { paddingFor } from './tar-encode.ts';
import { BLOCK_SIZE, decodeBlock, entryTypeOf, isZeroBlock, type RawHeader, type TarHeader } from './tar-header.ts';

export interface TarEntry {
  header: TarHeader;
  /**
   * The entry's bytes (empty for non-files). Consume it before asking for the next entry;
   * whatever is left unread is skipped (and the stream destroyed) when the iterator moves on.
   */
  body: Readable;
}

export interface TarReaderOptions {
  /** Largest PAX / GNU long-name body accepted (default 1 MiB). */
  maxMetaSize?: number;
  /** Accept an archive that ends at a header boundary without the two zero blocks (default false). */
  allowMissingEnd?: boolean;
}

const BODY_CHUNK = 1 << 20;

function invalid(message: string): BerthError {
  return new BerthError('INVALID_ARCHIVE', message);
}

/** One entry's body: pulls from the shared source on demand, so memory stays flat whatever the size. */
class EntryBody {
  readonly stream: Readable;
  private remaining: number;
  private reading: Promise<void> | null = null;
  private detached = false;
  private failure: unknown = undefined;

  constructor(
    private readonly src: ByteSource,
    private readonly size: number,
    private readonly name: string,
  ) {
    this.remaining = size;
    this.stream = new Readable({ highWaterMark: 64 * 1024, read: () => this.pull() });
    if (size === 0) this.stream.push(null);
  }

  private truncated(): BerthError {
    return invalid(
      `entry '${this.name}': archive truncated: body ends after ${this.size - this.remaining} of ` +
        `${this.size} bytes (the size header is larger than the data)`,
    );
  }

  private pull(): void {
    if (this.reading || this.detached || this.remaining === 0) return;
    this.reading = (async () => {
      try {
        const chunk = await this.src.readSome(Math.min(this.remaining, BODY_CHUNK));
        if (!chunk) throw this.truncated();
        this.remaining -= chunk.length;
        this.reading = null;
        this.stream.push(chunk);
        if (this.remaining === 0) this.stream.push(null);
      } catch (e) {
        this.reading = null;
        this.failure = e;
        this.fail(e as Error);
      }
    })();
  }

  /** Skips what the consumer left unread, then the padding; throws if the archive ends early. */
  async finish(): Promise<void> {
    this.detached = true;
    while (this.reading) await this.reading;
    if (this.failure !== undefined) throw this.failure;
    if (this.remaining > 0) {
      this.remaining -= await this.src.skip(this.remaining);
      if (this.remaining > 0) {
        const err = this.truncated();
        this.fail(err);
        throw err;
      }
      this.stream.destroy();
    }
    const pad = paddingFor(this.size);
    if ((await this.src.skip(pad)) < pad) throw invalid(`entry '${this.name}': archive truncated in the body padding`);
  }

  abandon(err?: Error): void {
    this.detached = true;
    if (!this.stream.readableEnded) this.fail(err);
  }

  /** Errors the body for whoever still listens; an abandoned body just closes (no unhandled 'error'). */
  private fail(err?: Error): void {
    if (this.stream.destroyed) return;
    this.stream.destroy(err && this.stream.listenerCount('error') > 0 ? err : undefined);
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

/**
 * Reads a tar stream entry by entry. Validates header checksums, numeric fields and PAX records,
 * and rejects truncated archives and bodies shorter than their size header (INVALID_ARCHIVE,
 * naming the entry). Anything after the end-of-archive marker is read and ignored.
 */
export async function* readTar(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  opts: TarReaderOptions = {},
): AsyncGenerator<TarEntry, void, undefined> {
  const maxMeta = opts.maxMetaSize ?? 1 << 20;
  const src = ByteSource.from(source);
  const globals = new Map<string, Buffer>();
  let current: EntryBody | undefined;
  try {
    for (;;) {
      if (current) {
        await current.finish();
        current = undefined;
      }
      let records: Map<string, Buffer> | undefined;
      let longName: string | undefined;
      let longLink: string | undefined;
      let pendingMeta: string | undefined;
      let raw: RawHeader;
      for (;;) {
        const at = src.position;
        const block = await src.readExact(BLOCK_SIZE);
        if (block.length === 0) {
          if (pendingMeta) throw invalid(`archive truncated after the ${pendingMeta} at byte ${at}`);
          if (opts.allowMissingEnd) return;
          throw invalid(`archive truncated at byte ${at}: no end-of-archive marker`);
        }
        if (block.length < BLOCK_SIZE) throw invalid(`archive truncated inside the header at byte ${at}`);
        if (isZeroBlock(block)) {
          if (pendingMeta) throw invalid(`${pendingMeta} at the end of the archive has no entry`);
          await src.drain(); // the second zero block and any record padding
          return;
        }
        raw = decodeBlock(block, at);
        const meta = raw.typeflag;
        if (meta !== 'x' && meta !== 'g' && meta !== 'L' && meta !== 'K') break;
        pendingMeta = meta === 'L' || meta === 'K' ? `GNU long-name header '${meta}'` : `PAX header for '${raw.name}'`;
        if (raw.size > maxMeta) {
          throw invalid(`${pendingMeta} at byte ${at}: ${raw.size} bytes exceeds the ${maxMeta}-byte limit`);
        }
        const body = await src.readExact(raw.size);
        const pad = paddingFor(raw.size);
        if (body.length < raw.size || (await src.skip(pad)) < pad) {
          throw invalid(`archive truncated inside the ${pendingMeta} at byte ${at}`);
        }
        if (meta === 'L' || meta === 'K') {
          const end = body.indexOf(0);
          const text = body.subarray(0, end === -1 ? body.length : end).toString('utf8');
          if (meta === 'L') longName = text;
          else longLink = text;
        } else {
          const parsed = parseRecords(body, raw.name);
          if (meta === 'g') {
            for (const [k, v] of parsed) {
              if (v.length === 0) globals.delete(k);
              else globals.set(k, v);
            }
          } else {
            records ??= new Map();
            for (const [k, v] of parsed) records.set(k, v);
          }
        }
      }
      const merged = new Map(globals);
      for (const [k, v] of records ?? []) merged.set(k, v);
      const header = applyExtensions(raw, merged, longName, longLink);
      current = new EntryBody(src, header.size, header.name);
      yield { header, body: current.stream };
    }
  } catch (e) {
    current?.abandon(e as Error);
    throw e;
  } finally {
    current?.abandon();
    await src.close();
  }
}
