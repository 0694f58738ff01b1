// A layer blob that arrives as a stream (a registry download), checked while it comes in: each
// chunk is appended to a temp file and hashed (the blob digest), and at the same time decompressed,
// hashed again (the diff_id) and read entry by entry (no `..`, no escaping hardlink, no malformed
// whiteout: layer/pushed-layer-check), so nothing is left to do once the last byte is in. The
// download may start over (a server without Range support, a second try after a digest mismatch):
// restart() drops both sides. Nothing is stored until commit(), which the caller does only after
// comparing digest and diff_id.
import { PushedLayerCheck, type CheckedLayer } from '../layer/index.ts';
import type { BlobExpectation, BlobInfo, BlobStore, BlobWriter } from './blob-store.ts';

export type { CheckedLayer };

export interface ArrivingLayerOptions {
  /** Refuse more than this many uncompressed bytes (decompression bombs). */
  maxUncompressed?: number | undefined;
}

export class ArrivingLayer {
  private check: PushedLayerCheck;

  private constructor(private readonly writer: BlobWriter, private readonly opts: ArrivingLayerOptions) {
    this.check = new PushedLayerCheck(opts);
  }

  static async open(blobs: BlobStore, opts: ArrivingLayerOptions = {}): Promise<ArrivingLayer> {
    return new ArrivingLayer(await blobs.openWriter(), opts);
  }

  /** Bytes taken so far. */
  get size(): number {
    return this.writer.size;
  }

  /**
   * The next bytes of the blob; settles once they are written and checked, after which the
   * caller may reuse the chunk's memory.
   */
  async write(chunk: Buffer): Promise<void> {
    await this.writer.write(chunk);
    await this.check.feed(chunk);
  }

  async restart(): Promise<void> {
    this.check.abort();
    this.check = new PushedLayerCheck(this.opts);
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
    this.check.abort();
    await this.writer.abort();
  }
}
