// A layer blob checked while its bytes are pushed in order (a download as it arrives): the first
// bytes tell the compression, then decompress → size limit (bomb guard) → diff_id sha256 → entry
// check. gzip and plain tar run synchronously inside feed(), so the caller may reuse a chunk's
// memory as soon as feed() settles and nothing is copied; zstd, bzip2 and xz go through their
// streams (a copy of each chunk). The first failure is kept, not thrown: the caller decides what
// wins (a digest mismatch means "fetch again", whatever the corrupt bytes did to the decoder).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { asArchiveError, createDecompressStream, detectCompression, MAGIC_BYTES, type Compression } from './compression.ts';
import { EntryChecker } from './entry-checker.ts';
import { GunzipLoop } from './gunzip-loop.ts';

export interface CheckedLayer {
  diffId: string;
  /** Uncompressed size. */
  diffSize: number;
  compression: Compression;
}

/** The uncompressed side, synchronous: bomb guard, diff_id, entries. */
class PlainCheck {
  private readonly hash = createHash('sha256');
  private readonly entries = new EntryChecker();
  size = 0;

  constructor(private readonly max: number | undefined) {}

  readonly take = (plain: Buffer): void => {
    this.size += plain.length;
    if (this.max !== undefined && this.size > this.max) {
      throw new BerthError('INVALID_ARCHIVE', `decompressed size exceeds the limit of ${this.max} bytes`);
    }
    this.hash.update(plain);
    this.entries.push(plain);
  };

  end(): string {
    this.entries.end();
    return `sha256:${this.hash.digest('hex')}`;
  }
}

interface Decoder {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
  abort(): void;
}

/** zstd, bzip2, xz (and gzip where the loop is unavailable): their streams, fed copies. */
class StreamDecoder implements Decoder {
  private readonly done: Promise<void>;

  constructor(private readonly input: Duplex, take: (plain: Buffer) => void) {
    // The reader below sees the first failure; a late one must not crash the process.
    input.on('error', () => undefined);
    this.done = (async () => {
      for await (const plain of input) take(plain as Buffer);
    })();
    this.done.catch(() => undefined);
  }

  async write(chunk: Buffer): Promise<void> {
    // A copy: the caller reuses the chunk's memory once this settles, the stream may hold it longer.
    if (!this.input.write(Buffer.from(chunk))) await Promise.race([once(this.input, 'drain'), this.done]);
  }

  async end(): Promise<void> {
    this.input.end();
    await this.done;
  }

  abort(): void {
    this.input.destroy();
  }
}

function openDecoder(compression: Compression, plain: PlainCheck): Decoder {
  if (compression === 'none') return { write: plain.take, end: () => undefined, abort: () => undefined };
  const loop = compression === 'gzip' ? GunzipLoop.open() : undefined;
  if (loop) return { write: (c) => loop.write(c, plain.take), end: () => loop.end(plain.take), abort: () => loop.close() };
  return new StreamDecoder(createDecompressStream(compression), plain.take);
}

export class PushedLayerCheck {
  /** Copies of the first bytes, until there are enough to tell the compression. */
  private head: Buffer | undefined;
  private decoder: Decoder | undefined;
  private compression: Compression = 'none';
  private readonly plain: PlainCheck;
  private failure: { error: unknown } | undefined;

  constructor(opts: { maxUncompressed?: number | undefined } = {}) {
    this.plain = new PlainCheck(opts.maxUncompressed);
  }

  /** Takes the next bytes; settles when the chunk's memory may be reused. Never rejects. */
  feed(chunk: Buffer): void | Promise<void> {
    if (this.failure) return;
    try {
      if (!this.decoder) {
        if (!this.head && chunk.length >= MAGIC_BYTES) return this.settle(this.open(chunk).write(chunk));
        this.head = Buffer.concat(this.head ? [this.head, chunk] : [chunk]);
        if (this.head.length < MAGIC_BYTES) return;
        const head = this.head;
        this.head = undefined;
        return this.settle(this.open(head).write(head));
      }
      return this.settle(this.decoder.write(chunk));
    } catch (e) {
      this.fail(e);
    }
  }

  /** Every byte is in: the diff_id and size, or the reason this is no sound layer. */
  async end(): Promise<CheckedLayer> {
    try {
      if (!this.failure) {
        if (this.head || !this.decoder) {
          // A blob shorter than the magic bytes.
          const head = this.head ?? Buffer.alloc(0);
          this.head = undefined;
          await this.open(head).write(head);
        }
        await this.decoder!.end();
        const diffId = this.plain.end();
        return { diffId, diffSize: this.plain.size, compression: this.compression };
      }
    } catch (e) {
      this.fail(e);
    }
    throw asLayerError(this.failure!.error, this.compression);
  }

  /** Stops decoding; end() will not be called. */
  abort(): void {
    this.fail(new Error('aborted'));
  }

  private open(head: Buffer): Decoder {
    this.compression = detectCompression(head);
    this.decoder = openDecoder(this.compression, this.plain);
    return this.decoder;
  }

  private settle(pending: void | Promise<void>): void | Promise<void> {
    if (pending) return pending.catch((e: unknown) => this.fail(e));
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.decoder?.abort();
  }
}

function asLayerError(e: unknown, compression: Compression): BerthError {
  const err = asArchiveError(e, compression);
  if (err instanceof BerthError) return err;
  return new BerthError('INVALID_ARCHIVE', `cannot read the layer: ${(err as Error).message}`, { cause: err });
}
