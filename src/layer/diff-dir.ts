// Turns an overlayfs upper dir into a layer tar: 0/0 char devices → `.wh.` entries, opaque xattr → `.wh..wh..opq`.

import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { readXattrsSync } from './fs-ops.ts';
import { byteOrder, encodeHeader, paddingFor } from './tar-encode.ts';
import { BLOCK_SIZE } from './tar-header.ts';
import { normalizeHeader, type TarEntryInput, type TarWriterOptions } from './tar-writer.ts';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './whiteout.ts';

export interface DiffDirOptions extends TarWriterOptions {
  /** Keep an xattr in the layer? Default: everything but overlayfs's own. */
  xattrFilter?: (name: string) => boolean;
}

const OVERLAY_PREFIXES = ['trusted.overlay.', 'user.overlay.'];

/** overlayfs's own attributes (opaque, origin, redirect...): never part of a layer. */
export function isOverlayXattr(name: string): boolean {
  return OVERLAY_PREFIXES.some((p) => name.startsWith(p));
}

/** Whether these attributes mark an opaque directory (nothing below it in lower layers shows). */
export function isOpaque(xattrs: Map<string, Buffer>): boolean {
  return OVERLAY_PREFIXES.some((p) => xattrs.get(`${p}opaque`)?.toString('latin1') === 'y');
}

/** Linux dev_t split (glibc's gnu_dev_major/minor). */
function devNumbers(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

function time(ns: bigint): { sec: number; nsec: number } {
  const sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  let s = sec;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    s -= 1n;
  }
  return { sec: Number(s), nsec: Number(nsec) };
}

function baseHeader(name: string, st: BigIntStats): Omit<TarEntryInput, 'type'> {
  return {
    name,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: time(st.mtimeNs),
  };
}

/** One entry of the walk: its header and, for a regular file, where its bytes are. */
interface UpperEntry {
  header: TarEntryInput;
  file?: string;
}

/**
 * Walks `upperDir` in byte order of names (directories before their contents) and yields layer
 * entries. Regular files seen again by (dev, ino) become hardlinks to the first path; sockets are
 * skipped (docker does the same); overlayfs redirect/metacopy dirs are refused since their
 * content lives in a lower layer. The calls are synchronous: an lstat or an xattr list is a few
 * microseconds, far less than an awaited thread-pool round trip, and a layer has many entries.
 */
function* walkUpper(root: string, opts: DiffDirOptions): Generator<UpperEntry> {
  const keep = opts.xattrFilter ?? ((n: string) => !isOverlayXattr(n));
  const links = new Map<string, string>();
  const rootXattrs = readXattrsSync(root);
  if (isOpaque(rootXattrs)) yield { header: { name: OPAQUE_WHITEOUT, type: 'file', mode: 0o600 } };

  function* visit(dirAbs: string, dirRel: string): Generator<UpperEntry> {
    const names = readdirSync(dirAbs).sort(byteOrder);
    for (const name of names) {
      const abs = join(dirAbs, name);
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const st = lstatSync(abs, { bigint: true });
      if (st.isCharacterDevice() && st.rdev === 0n) {
        // overlayfs whiteout → OCI whiteout: an empty regular file, owner and mtime kept (as docker does).
        const wh = dirRel === '' ? `${WHITEOUT_PREFIX}${name}` : `${dirRel}/${WHITEOUT_PREFIX}${name}`;
        yield { header: { ...baseHeader(wh, st), type: 'file', mode: 0o600 } };
        continue;
      }
      if (st.isSocket()) continue;
      const all = readXattrsSync(abs);
      for (const key of ['trusted.overlay.redirect', 'trusted.overlay.metacopy', 'user.overlay.redirect', 'user.overlay.metacopy']) {
        if (all.has(key)) {
          throw new BerthError('NOT_IMPLEMENTED', `'${rel}' carries ${key}: overlay redirect_dir/metacopy upper dirs are not supported`);
        }
      }
      const xattrs = new Map([...all].filter(([k]) => keep(k)));
      const header = { ...baseHeader(rel, st), xattrs };
      if (st.isDirectory()) {
        yield { header: { ...header, type: 'dir' } };
        if (isOpaque(all)) {
          yield { header: { ...baseHeader(`${rel}/${OPAQUE_WHITEOUT}`, st), type: 'file', mode: 0o600 } };
        }
        yield* visit(abs, rel);
      } else if (st.isSymbolicLink()) {
        yield { header: { ...header, type: 'symlink', linkname: readlinkSync(abs) } };
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1n ? links.get(key) : undefined;
        if (first !== undefined) {
          yield { header: { ...header, type: 'hardlink', linkname: first, xattrs: new Map() } };
          continue;
        }
        if (st.nlink > 1n) links.set(key, rel);
        yield { header: { ...header, type: 'file', size: Number(st.size) }, file: abs };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const { major, minor } = devNumbers(st.rdev);
        yield { header: { ...header, type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major, devminor: minor } };
      } else if (st.isFIFO()) {
        yield { header: { ...header, type: 'fifo' } };
      }
    }
  }
  yield* visit(root, '');
}

/** Bytes of tar output handed on at once: one hash update and one write per MiB, not per header. */
const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(2 * BLOCK_SIZE);
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Fills CHUNK-sized buffers; file bodies are read straight into them (no intermediate copies). */
class Chunks {
  private buf: Buffer;
  private used = 0;
  private readonly probe = Buffer.allocUnsafe(1);

  /** `alloc` gives each next CHUNK-sized buffer (fresh ones by default). */
  constructor(private readonly alloc: () => Buffer = () => Buffer.allocUnsafe(CHUNK)) {
    this.buf = alloc();
  }

  get full(): boolean {
    return this.used === CHUNK;
  }

  /** Copies what fits of `bytes` from `offset`; returns how many bytes were taken. */
  fill(bytes: Buffer, offset: number): number {
    const n = bytes.copy(this.buf, this.used, offset);
    this.used += n;
    return n;
  }

  /**
   * Reads up to `max` bytes of `fd` into the free space: how many (0 at end of file). Where the
   * space allows it asks for one byte more, not kept: getting it means the file is longer than
   * `max`; getting less than asked means the file ended (`atEnd`), with no read of its own to tell.
   */
  read(fd: number, max: number): { n: number; longer: boolean; atEnd: boolean } {
    const ask = Math.min(max + 1, CHUNK - this.used);
    const got = readSync(fd, this.buf, this.used, ask, null);
    const n = Math.min(got, max);
    this.used += n;
    return { n, longer: got > max, atEnd: got < ask };
  }

  /** Whether `fd` has anything left to read (one byte, read aside). */
  more(fd: number): boolean {
    return readSync(fd, this.probe, 0, 1, null) > 0;
  }

  /** The filled part, leaving a new buffer for what follows. */
  take(): Buffer {
    const out = this.used === CHUNK ? this.buf : this.buf.subarray(0, this.used);
    this.buf = this.alloc();
    this.used = 0;
    return out;
  }
}

/** Adds `bytes`, handing on every chunk that fills up. */
function* add(out: Chunks, bytes: Buffer): Generator<Buffer> {
  for (let off = 0; off < bytes.length;) {
    off += out.fill(bytes, off);
    if (out.full) yield out.take();
  }
}

/** The tar stream of the walk, entry by entry as packTar encodes it, in CHUNK-sized buffers. */
async function* tarChunks(root: string, opts: DiffDirOptions, out = new Chunks()): AsyncGenerator<Buffer> {
  for (const entry of walkUpper(root, opts)) {
    const header = normalizeHeader(entry.header, opts);
    yield* add(out, encodeHeader(header));
    if (entry.file === undefined) continue;
    const fd = openSync(entry.file, READ_FLAGS);
    const longer = (): BerthError => new BerthError('INVALID_ARGUMENT', `entry '${header.name}': body is longer than its declared size ${header.size}`);
    try {
      for (let left = header.size; ;) {
        if (left === 0) {
          // The last read could not look past the body (the chunk filled up, or an empty file).
          if (out.more(fd)) throw longer();
          break;
        }
        const r = out.read(fd, left);
        if (r.longer) throw longer();
        if (r.n === 0) {
          throw new BerthError('INVALID_ARGUMENT', `entry '${header.name}': body has ${header.size - left} bytes but its declared size is ${header.size}`);
        }
        left -= r.n;
        if (out.full) yield out.take();
        if (left === 0 && r.atEnd) break;
      }
    } finally {
      closeSync(fd);
    }
    yield* add(out, ZEROS.subarray(0, paddingFor(header.size)));
  }
  yield* add(out, ZEROS);
  const rest = out.take();
  if (rest.length > 0) yield rest;
}

/**
 * An overlayfs upper (or any diff) directory as a deterministic, uncompressed layer tar stream:
 * the bytes packTar would give for the same entries, in 1 MiB chunks.
 */
export function diffDirToTar(upperDir: string, opts: DiffDirOptions = {}): Readable {
  return Readable.from(tarChunks(upperDir, opts), { objectMode: false, highWaterMark: CHUNK });
}

/** A consumer of pumped tar chunks: the chunk is its own until the returned promise settles. */
export type ChunkSink = (chunk: Buffer) => Promise<void>;

/**
 * The bytes of diffDirToTar, handed to `sink` chunk by chunk without a stream in between, from a
 * small pool of buffers that are refilled once the sink is done with them: no fresh MiB per chunk
 * (page faults, garbage) however big the layer. At most `inFlight` chunks are with the sink at
 * once; the first failure of the sink stops the walk and is thrown.
 */
export async function pumpDiffDir(upperDir: string, sink: ChunkSink, opts: DiffDirOptions & { inFlight?: number } = {}): Promise<void> {
  const pool: Buffer[] = [];
  const pending = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const limit = Math.max(1, opts.inFlight ?? 3);
  const chunks = new Chunks(() => pool.pop() ?? Buffer.allocUnsafe(CHUNK));
  try {
    for await (const chunk of tarChunks(upperDir, opts, chunks)) {
      const p: Promise<void> = sink(chunk).then(
        () => {
          pending.delete(p);
          if (chunk.length === CHUNK) pool.push(chunk);
        },
        (e: unknown) => {
          pending.delete(p);
          failure ??= { error: e };
        },
      );
      pending.add(p);
      while (pending.size >= limit && failure === undefined) await Promise.race(pending);
      if (failure) throw failure.error;
    }
  } finally {
    await Promise.all(pending);
  }
  if (failure) throw failure.error;
}
