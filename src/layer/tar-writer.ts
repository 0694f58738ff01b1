// Streaming tar writer: deterministic ustar+PAX output, push-style (TarWriter) or pull-style (packTar).

import { PassThrough, Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { encodeHeader, paddingFor } from './tar-encode.ts';
import { BLOCK_SIZE, type EntryType, type TarHeader, type TarTime } from './tar-header.ts';

export type TimeInput = TarTime | number | Date;

/** What a caller gives for one entry; everything but name and type has a deterministic default. */
export interface TarEntryInput {
  name: string;
  type: EntryType;
  /** Defaults: 0o755 for dirs, 0o777 for symlinks, 0o644 otherwise. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Required for a streamed file body; taken from the buffer otherwise. */
  size?: number;
  /** Seconds, a Date, or {sec, nsec}; default 0 (the epoch) for reproducible output. */
  mtime?: TimeInput;
  atime?: TimeInput;
  ctime?: TimeInput;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array | string>>;
  pax?: ReadonlyMap<string, Uint8Array>;
}

export type TarBody = Uint8Array | string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface TarWriterOptions {
  /** SOURCE_DATE_EPOCH-style clamp: mtimes later than this many seconds are set to it. */
  clampMtime?: number;
  /** Keep sub-second mtimes (written as PAX records); by default they are truncated to seconds. */
  subsecondMtime?: boolean;
}

export function toTarTime(t: TimeInput): TarTime {
  if (typeof t === 'number') {
    const sec = Math.floor(t);
    return { sec, nsec: Math.round((t - sec) * 1e9) % 1_000_000_000 };
  }
  if (t instanceof Date) {
    const ms = t.getTime();
    const sec = Math.floor(ms / 1000);
    return { sec, nsec: (ms - sec * 1000) * 1e6 };
  }
  return { sec: t.sec, nsec: t.nsec };
}

function defaultMode(type: EntryType): number {
  return type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644;
}

/** Fills defaults and applies mtime options; the result is exactly what gets encoded. */
export function normalizeHeader(input: TarEntryInput, opts: TarWriterOptions = {}, bodySize?: number): TarHeader {
  let mtime = toTarTime(input.mtime ?? 0);
  if (!opts.subsecondMtime) mtime = { sec: mtime.sec, nsec: 0 };
  if (opts.clampMtime !== undefined && mtime.sec >= opts.clampMtime && (mtime.sec > opts.clampMtime || mtime.nsec > 0)) {
    mtime = { sec: opts.clampMtime, nsec: 0 };
  }
  const xattrs = new Map<string, Buffer>();
  if (input.xattrs) {
    const pairs = input.xattrs instanceof Map ? [...input.xattrs] : Object.entries(input.xattrs);
    for (const [k, v] of pairs as Array<[string, Uint8Array | string]>) {
      xattrs.set(k, typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    }
  }
  const pax = new Map<string, Buffer>();
  for (const [k, v] of input.pax ?? []) pax.set(k, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  const size = input.type === 'file' ? (input.size ?? bodySize ?? 0) : 0;
  const keep = (t: TimeInput | undefined): TarTime | undefined => {
    if (t === undefined) return undefined;
    const v = toTarTime(t);
    return opts.subsecondMtime ? v : { sec: v.sec, nsec: 0 };
  };
  return {
    name: input.name,
    type: input.type,
    mode: (input.mode ?? defaultMode(input.type)) & 0o7777,
    uid: input.uid ?? 0,
    gid: input.gid ?? 0,
    size,
    mtime,
    linkname: input.linkname ?? '',
    uname: input.uname ?? '',
    gname: input.gname ?? '',
    devmajor: input.devmajor ?? 0,
    devminor: input.devminor ?? 0,
    atime: keep(input.atime),
    ctime: keep(input.ctime),
    xattrs,
    pax,
  };
}

function bufferBody(body: TarBody | undefined): Buffer | undefined {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** All bytes of one entry: header blocks, body (checked against the size), padding. */
export async function* encodeEntry(
  input: TarEntryInput,
  body: TarBody | undefined,
  opts: TarWriterOptions = {},
): AsyncGenerator<Buffer> {
  const buffered = bufferBody(body);
  const header = normalizeHeader(input, opts, buffered?.length);
  if (header.type !== 'file' && body !== undefined && (buffered === undefined || buffered.length > 0)) {
    throw new BerthError('INVALID_ARGUMENT', `entry '${header.name}': a ${header.type} entry cannot have a body`);
  }
  yield encodeHeader(header);
  if (header.type !== 'file') return;
  let written = 0;
  const tooLong = (): BerthError =>
    new BerthError('INVALID_ARGUMENT', `entry '${header.name}': body is longer than its declared size ${header.size}`);
  if (buffered) {
    if (buffered.length > header.size) throw tooLong();
    written = buffered.length;
    if (written > 0) yield buffered;
  } else if (body !== undefined) {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      written += chunk.length;
      if (written > header.size) throw tooLong();
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  }
  if (written !== header.size) {
    throw new BerthError(
      'INVALID_ARGUMENT',
      `entry '${header.name}': body has ${written} bytes but its declared size is ${header.size}`,
    );
  }
  const pad = paddingFor(header.size);
  if (pad > 0) yield Buffer.alloc(pad);
}

/** The end-of-archive marker: two zero blocks. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(2 * BLOCK_SIZE);
}

export interface TarSourceEntry {
  header: TarEntryInput;
  body?: TarBody | undefined;
}

/** Pull-style: a tar byte stream over entries produced lazily (one body open at a time). */
export function packTar(
  entries: Iterable<TarSourceEntry> | AsyncIterable<TarSourceEntry>,
  opts: TarWriterOptions = {},
): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for await (const { header, body } of entries) yield* encodeEntry(header, body, opts);
    yield endOfArchive();
  }
  return Readable.from(generate(), { objectMode: false, highWaterMark: 64 * 1024 });
}

/** Push-style: `await add(...)` per entry (it waits for the reader), then `await finish()`. */
export class TarWriter {
  readonly stream: Readable;
  private readonly out: PassThrough;
  private finished = false;

  constructor(private readonly opts: TarWriterOptions = {}) {
    this.out = new PassThrough({ highWaterMark: 64 * 1024 });
    this.stream = this.out;
  }

  async add(header: TarEntryInput, body?: TarBody): Promise<void> {
    if (this.finished) throw new BerthError('INTERNAL', 'TarWriter.add after finish');
    for await (const chunk of encodeEntry(header, body, this.opts)) await this.write(chunk);
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.write(endOfArchive());
    this.out.end();
  }

  /** Ends the stream with an error (the reader sees it). */
  abort(err: Error): void {
    this.finished = true;
    this.out.destroy(err);
  }

  private write(chunk: Buffer): Promise<void> {
    if (this.out.destroyed) return Promise.reject(new BerthError('INTERNAL', 'tar output stream was closed'));
    if (this.out.write(chunk)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        this.out.off('drain', onDrain);
        this.out.off('close', onClose);
        this.out.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(new BerthError('INTERNAL', 'tar output stream was closed'));
      const onError = (e: Error): void => done(e);
      this.out.on('drain', onDrain);
      this.out.on('close', onClose);
      this.out.on('error', onError);
    });
  }
}
