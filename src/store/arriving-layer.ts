// A layer blob that arrives as a stream (a registry download), checked while it comes in: each
// chunk is appended to a temp file and hashed (the blob digest), and at the same time decompressed,
// hashed again (the diff_id) and read entry by entry (no `..`, no escaping hardlink, no malformed
// whiteout), so nothing is left to do once the last byte is in. The download may start over (a
// server without Range support, a second try after a digest mismatch): restart() drops both sides.
// Nothing is stored until commit(), which the caller does only after comparing digest and diff_id.
import { once } from 'node:events';
import { pipeline, type Duplex, type Readable, type Transform } from 'node:stream';
import { checkLayerEntries, createDecompressStream, createSizeLimit, detectCompression, HashTap, type Compression } from '../layer/index.ts';
import { asArchiveError, MAGIC_BYTES } from '../layer/compression.ts';
import { BerthError } from '../util/errors.ts';
import type { BlobExpectation, BlobInfo, BlobStore, BlobWriter } from './blob-store.ts';

export interface ArrivingLayerOptions {
  /** Refuse more than this many uncompressed bytes (decompression bombs). */
  maxUncompressed?: number | undefined;
}

export interface CheckedLayer {
  diffId: string;
  /** Uncompressed size. */
  diffSize: number;
  compression: Compression;
}

/** The decompress → diff_id → entry check side, fed in order; its first failure is kept, not thrown. */
class LayerCheck {
  private head: Buffer[] = [];
  private headBytes = 0;
  /** The decompressor, once the first bytes have told the compression. */
  private input: Duplex | undefined;
  private readonly tap = new HashTap();
  private compression: Compression = 'none';
  private failure: { error: unknown } | undefined;
  private over = false;
  private readonly started: Promise<void>;
  private start!: (input: Duplex | undefined) => void;
  /** Settles (never rejects) when the check has read everything or failed. */
  private readonly done: Promise<void>;

  constructor(private readonly opts: ArrivingLayerOptions) {
    this.started = new Promise((resolve) => {
      this.start = (input) => { this.input = input; resolve(); };
    });
    this.done = this.run().catch((error: unknown) => {
      this.failure ??= { error };
      this.input?.destroy();
    }).finally(() => { this.over = true; });
  }

  private async run(): Promise<void> {
    await this.started;
    if (!this.input) throw this.failure?.error ?? new Error('aborted');
    const stages: Array<Duplex | Transform> = [this.input];
    if (this.opts.maxUncompressed !== undefined) stages.push(createSizeLimit(this.opts.maxUncompressed));
    stages.push(this.tap);
    await checkLayerEntries(pipeline(stages as [Duplex, ...Transform[]], () => undefined) as unknown as Readable);
  }

  /** Passes a chunk on, waiting while the checker is behind; a no-op once it is over (failed). */
  async feed(chunk: Buffer): Promise<void> {
    if (this.over || this.failure) return;
    if (!this.input) {
      // The first bytes tell the compression; the decompressor is fed straight (no copies).
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < MAGIC_BYTES) return;
      this.open();
      return;
    }
    // An error instead of 'drain' is the check's failure, kept for finish(): the download goes on,
    // since a digest mismatch (fetch again) must win over what the corrupt bytes did to gunzip.
    if (!this.input.write(chunk)) await Promise.race([once(this.input, 'drain').catch(() => undefined), this.done]);
  }

  private open(): void {
    const first = Buffer.concat(this.head);
    this.head = [];
    this.compression = detectCompression(first);
    try {
      const input = createDecompressStream(this.compression);
      // The pipeline reports the first failure; a late one (zlib finishing a write after an abort
      // destroyed the pipeline) has nobody left to tell and must not crash the process.
      input.on('error', () => undefined);
      this.start(input);
    } catch (e) {
      this.failure ??= { error: e };
      this.start(undefined);
      return;
    }
    this.input!.write(first);
  }

  async end(): Promise<CheckedLayer> {
    if (!this.failure) {
      if (!this.input) this.open(); // a blob shorter than the magic bytes
      this.input?.end();
    }
    await this.done;
    if (this.failure) throw asLayerError(this.failure.error, this.compression);
    return { diffId: this.tap.digest(), diffSize: this.tap.bytes, compression: this.compression };
  }

  async abort(): Promise<void> {
    this.failure ??= { error: new Error('aborted') };
    if (this.input) this.input.destroy();
    else this.start(undefined);
    await this.done;
  }
}

function asLayerError(e: unknown, compression: Compression): BerthError {
  const err = asArchiveError(e, compression);
  if (err instanceof BerthError) return err;
  return new BerthError('INVALID_ARCHIVE', `cannot read the layer: ${(err as Error).message}`, { cause: err });
}

export class ArrivingLayer {
  private check: LayerCheck;

  private constructor(private readonly writer: BlobWriter, private readonly opts: ArrivingLayerOptions) {
    this.check = new LayerCheck(opts);
  }

  static async open(blobs: BlobStore, opts: ArrivingLayerOptions = {}): Promise<ArrivingLayer> {
    return new ArrivingLayer(await blobs.openWriter(), opts);
  }

  /** Bytes taken so far. */
  get size(): number {
    return this.writer.size;
  }

  /** The next bytes of the blob; settles once they are written and the checker has room for more. */
  async write(chunk: Buffer): Promise<void> {
    await Promise.all([this.writer.write(chunk), this.check.feed(chunk)]);
  }

  async restart(): Promise<void> {
    await this.check.abort();
    this.check = new LayerCheck(this.opts);
    await this.writer.restart();
  }

  /** sha256 of the blob bytes taken so far. */
  digest(): string {
    return this.writer.digest();
  }

  /** Every byte is in: waits for the entry check; its diff_id and size, or the reason it is no sound layer. */
  async finish(): Promise<CheckedLayer> {
    return this.check.end();
  }

  /** Stores the blob (synced, its digest and size checked against `expect`). */
  async commit(expect: BlobExpectation): Promise<BlobInfo> {
    return this.writer.commit(expect);
  }

  /** Drops everything; nothing is stored. A no-op after commit. */
  async abort(): Promise<void> {
    await this.check.abort().catch(() => undefined);
    await this.writer.abort();
  }
}
