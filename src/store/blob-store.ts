// Content-addressed blobs (sha256): streamed to a temp file while hashing, verified against the
// expected digest and size, and only then renamed into blobs/sha256/<hex>. Memory stays flat.
import { createHash } from 'node:crypto';
import { createReadStream, writeSync, type ReadStream } from 'node:fs';
import { link, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fsyncDir, tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import type { StoreLayout } from './layout.ts';
import { makeDirs } from '../util/make-dirs.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface BlobExpectation {
  digest?: string | undefined;
  size?: number | undefined;
  /** Refuse (and discard) a blob that grows past this many bytes. */
  maxSize?: number | undefined;
}

export interface BlobInfo {
  digest: string;
  size: number;
}

export function assertDigest(digest: string): void {
  if (!DIGEST.test(digest)) throw new BerthError('INVALID_ARGUMENT', `invalid digest "${digest}": expected sha256:<64 hex digits>`);
}

/** Bytes a writer lets pile up in the page cache before it starts their writeback. */
const EARLY_FLUSH = 16 * 1024 * 1024;

/**
 * Starts the writeback of a big blob while the rest is still produced (a datasync in the thread
 * pool every EARLY_FLUSH bytes), so the fsync before the blob is linked has little left: it was
 * ~0.1 s of a 300 MB pull's wall time. A failure here shows again at that fsync.
 */
class EarlyWriteback {
  private unflushed = 0;
  private flushing: Promise<void> | undefined;

  constructor(private readonly fh: FileHandle) {}

  wrote(bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < EARLY_FLUSH || this.flushing) return;
    this.unflushed = 0;
    this.flushing = this.fh.datasync().catch(() => undefined).finally(() => { this.flushing = undefined; });
  }

  /** Settles when no datasync is in flight (before a truncate, the final fsync or a close). */
  async idle(): Promise<void> {
    await this.flushing;
  }
}

export class BlobStore {
  constructor(private readonly layout: StoreLayout) {}

  path(digest: string): string {
    assertDigest(digest);
    return this.layout.blobPath(digest);
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then(() => true, () => false);
  }

  async size(digest: string): Promise<number> {
    const file = this.path(digest); // an invalid digest is INVALID_ARGUMENT, not NOT_FOUND
    try {
      return (await stat(file)).size;
    } catch (e) {
      throw this.missing(digest, e);
    }
  }

  async read(digest: string): Promise<Buffer> {
    const file = this.path(digest);
    try {
      return await readFile(file);
    } catch (e) {
      throw this.missing(digest, e);
    }
  }

  openRead(digest: string): ReadStream {
    return createReadStream(this.path(digest));
  }

  async put(source: Readable | AsyncIterable<Uint8Array> | Uint8Array, expect: BlobExpectation = {}): Promise<BlobInfo> {
    if (expect.digest !== undefined) {
      assertDigest(expect.digest);
      if (await this.has(expect.digest)) {
        // Already stored: drain nothing, trust the stored copy (fsck verifies it), but still refuse
        // an announced size that contradicts it, and bytes in hand that are not this blob.
        const stored = await this.size(expect.digest);
        if (expect.size !== undefined && expect.size !== stored) throw this.sizeMismatch(expect.digest, stored, expect.size);
        if (source instanceof Uint8Array) {
          const actual = `sha256:${createHash('sha256').update(source).digest('hex')}`;
          if (actual !== expect.digest) throw this.digestMismatch(expect.digest, actual);
        }
        return { digest: expect.digest, size: stored };
      }
    }
    // An announced size is also a limit: stop reading at size+1 bytes, whatever the source sends.
    const limit = Math.min(expect.maxSize ?? Infinity, expect.size ?? Infinity);
    const tmp = tempName(this.layout.tmpDir, 'blob');
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      const chunks: AsyncIterable<Uint8Array> | Uint8Array[] = source instanceof Uint8Array ? [source] : source;
      for await (const chunk of chunks) {
        size += chunk.length;
        if (size > limit) {
          if (expect.size !== undefined && size > expect.size) throw this.sizeMismatch(expect.digest, `more than ${expect.size}`, expect.size);
          throw new BerthError('INVALID_ARCHIVE', `blob is larger than the ${expect.maxSize} bytes allowed${expect.digest ? ` for ${expect.digest}` : ''}`);
        }
        hash.update(chunk);
        // write(2) may be short (disk full, file size limit): loop, so the file holds every byte
        // hashed, and the failing retry reports the cause (ENOSPC, EFBIG).
        for (let off = 0; off < chunk.length;) off += (await fh.write(chunk, off)).bytesWritten;
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    return this.commitTemp(tmp, `sha256:${hash.digest('hex')}`, size, expect);
  }

  /**
   * Stores the blob whose bytes `produce` hands, in order, to the sink it is given. Each chunk is
   * hashed at once and written at its offset; the promise the sink returns settles when that write
   * is done, after which the producer may reuse the chunk's memory. Writes may overlap (the
   * producer decides how many it keeps in flight); all are done before the fsync.
   */
  async putChunks(produce: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>): Promise<BlobInfo> {
    const tmp = tempName(this.layout.tmpDir, 'blob');
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o644);
    const writing = new Set<Promise<void>>();
    const writeback = new EarlyWriteback(fh);
    const sink = (chunk: Uint8Array): Promise<void> => {
      const at = size;
      size += chunk.length;
      hash.update(chunk);
      const w = (async () => {
        // write(2) may be short (disk full, file size limit): loop, so the file holds every byte
        // hashed, and the failing retry reports the cause (ENOSPC, EFBIG).
        for (let off = 0; off < chunk.length;) off += (await fh.write(chunk, off, chunk.length - off, at + off)).bytesWritten;
        writeback.wrote(chunk.length);
      })();
      writing.add(w);
      const settled = (): void => { writing.delete(w); };
      w.then(settled, settled);
      return w;
    };
    try {
      await produce(sink);
      await Promise.all(writing);
      await writeback.idle();
      await fh.sync();
    } catch (e) {
      await Promise.allSettled(writing);
      await writeback.idle();
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    return this.commitTemp(tmp, `sha256:${hash.digest('hex')}`, size, {});
  }

  /**
   * A blob written piece by piece as it arrives (a download): appended and hashed in one go,
   * started over when the source restarts, and committed (synced, checked, linked) or aborted by
   * the caller. The temp file lives in the store's tmp dir, so a dead writer's is swept at open.
   */
  async openWriter(): Promise<BlobWriter> {
    const tmp = tempName(this.layout.tmpDir, 'blob');
    return new BlobWriter(tmp, await open(tmp, 'wx', 0o644), (digest, size, expect) => this.commitTemp(tmp, digest, size, expect));
  }

  /** Checks a complete, synced temp file against what was expected and links it into place. */
  private async commitTemp(tmp: string, digest: string, size: number, expect: BlobExpectation): Promise<BlobInfo> {
    try {
      if (expect.digest !== undefined && digest !== expect.digest) throw this.digestMismatch(expect.digest, digest);
      if (expect.size !== undefined && size !== expect.size) throw this.sizeMismatch(digest, size, expect.size);
      const dest = this.layout.blobPath(digest);
      // link() fails if the blob appeared meanwhile: either way the committed blob is complete.
      await link(tmp, dest).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
      await fsyncDir(this.layout.blobsDir);
    } finally {
      await rm(tmp, { force: true });
    }
    return { digest, size };
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.layout.blobsDir).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Recomputes a stored blob's digest. */
  async verify(digest: string): Promise<boolean> {
    const hash = createHash('sha256');
    for await (const chunk of this.openRead(digest)) hash.update(chunk as Buffer);
    return `sha256:${hash.digest('hex')}` === digest;
  }

  async ensureDirs(): Promise<void> {
    await makeDirs(this.layout.blobsDir);
    await makeDirs(this.layout.tmpDir);
  }

  private digestMismatch(expected: string, actual: string): BerthError {
    return new BerthError('INVALID_ARCHIVE', `content does not match its digest: expected ${expected}, got ${actual}`, { hint: 'the source is corrupt or was altered; nothing was stored' });
  }

  private sizeMismatch(digest: string | undefined, actual: number | string, announced: number): BerthError {
    return new BerthError('INVALID_ARCHIVE', `blob${digest ? ` ${digest}` : ''} has ${actual} bytes, but ${announced} were announced`);
  }

  private missing(digest: string, cause: unknown): BerthError {
    return new BerthError('NOT_FOUND', `blob ${digest} is not in the store`, { cause, hint: 'run `berth system check` to find what refers to it' });
  }
}

/** See BlobStore.openWriter. One writer at a time: each write is awaited before the next. */
export class BlobWriter {
  private hash = createHash('sha256');
  private written = 0;
  private closed = false;
  private readonly writeback: EarlyWriteback;

  constructor(
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly commitTemp: (digest: string, size: number, expect: BlobExpectation) => Promise<BlobInfo>,
  ) {
    this.writeback = new EarlyWriteback(fh);
  }

  get size(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    const at = this.written;
    this.written += chunk.length;
    this.hash.update(chunk);
    // write(2) on this thread: a copy into the page cache. Through the thread pool the same 140 MB
    // cost 4x the CPU here (a wake-up of a pool thread and back per chunk). It may be short (disk
    // full, file size limit): loop, so the file holds every byte hashed and a retry reports the cause.
    for (let off = 0; off < chunk.length;) off += writeSync(this.fh.fd, chunk, off, chunk.length - off, at + off);
    this.writeback.wrote(chunk.length);
  }

  /** Forgets everything written: the source starts again from its first byte. */
  async restart(): Promise<void> {
    await this.writeback.idle();
    await this.fh.truncate(0);
    this.hash = createHash('sha256');
    this.written = 0;
  }

  /** sha256 of the bytes written so far (the writer can go on). */
  digest(): string {
    return `sha256:${this.hash.copy().digest('hex')}`;
  }

  /** Syncs the file and links it in as a blob if it matches `expect`; the temp file is gone either way. */
  async commit(expect: BlobExpectation = {}): Promise<BlobInfo> {
    try {
      await this.writeback.idle();
      await this.fh.sync();
    } catch (e) {
      await this.abort();
      throw e;
    }
    this.closed = true;
    await this.fh.close();
    return this.commitTemp(this.digest(), this.written, expect);
  }

  /** Drops the temp file; nothing is stored. Safe to call twice or after commit. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeback.idle();
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
