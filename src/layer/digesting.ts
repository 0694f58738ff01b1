// One-pass layer digests: sha256 taps before and after (de)compression give diff_id, blob digest and sizes.

import { createHash, type Hash } from 'node:crypto';
import { Transform, pipeline, type Duplex, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  createCompressStream,
  createDecompressStream,
  createSizeLimit,
  sniffCompression,
  type CompressOptions,
  type Compression,
  type OutputCompression,
} from './compression.ts';

/** A pass-through that hashes (sha256) and counts what flows by. */
export class HashTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private result: string | undefined;
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: (err?: Error | null) => void): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    cb();
  }

  /** `sha256:<hex>` of everything that passed; only valid once the stream has flushed. */
  digest(): string {
    if (this.result === undefined) throw new Error('HashTap.digest() before the stream ended');
    return this.result;
  }
}

export interface LayerDigests {
  /** Digest of the uncompressed tar (the image config's diff_id). */
  diffId: string;
  uncompressedSize: number;
  /** Digest of the blob as stored / pushed (equals diffId when uncompressed). */
  digest: string;
  size: number;
  compression: Compression;
}

function settle(stages: Array<Readable | Duplex | Writable>, pre: HashTap, post: HashTap, compression: Compression) {
  let stream!: Readable;
  const digests = new Promise<LayerDigests>((resolve, reject) => {
    stream = pipeline(stages as [Readable, ...Duplex[]], (err) => {
      if (err) return reject(err);
      try {
        resolve({ diffId: pre.digest(), uncompressedSize: pre.bytes, digest: post.digest(), size: post.bytes, compression });
      } catch (e) {
        reject(e as Error);
      }
    }) as unknown as Readable;
  });
  // Whoever reads the stream sees failures there; don't also crash on an unobserved promise.
  digests.catch(() => {});
  return { stream, digests };
}

/**
 * Compresses a layer tar and digests both sides in the same pass. Read `stream` (e.g. into a
 * temp file); `digests` resolves once it has been read to the end.
 */
export function compressLayer(
  tar: Readable,
  compression: OutputCompression,
  opts: CompressOptions = {},
): { stream: Readable; digests: Promise<LayerDigests> } {
  const pre = new HashTap();
  const post = new HashTap();
  return settle([tar, pre, createCompressStream(compression, opts), post], pre, post, compression);
}

/** compressLayer into a Writable; resolves with the digests once everything is written. */
export async function writeLayerBlob(
  tar: Readable,
  dest: Writable,
  compression: OutputCompression,
  opts: CompressOptions = {},
): Promise<LayerDigests> {
  const { stream, digests } = compressLayer(tar, compression, opts);
  stream.pipe(dest);
  await Promise.all([finished(dest), digests]);
  return digests;
}

/**
 * The reverse, for pulled or loaded blobs: detects the compression, decompresses, and digests the
 * blob and the tar in one pass. `maxSize` bounds the uncompressed bytes (decompression-bomb guard).
 */
export async function decompressLayer(
  blob: Readable,
  opts: { maxSize?: number } = {},
): Promise<{ compression: Compression; stream: Readable; digests: Promise<LayerDigests> }> {
  const post = new HashTap();
  const pre = new HashTap();
  const { compression, stream: raw } = await sniffCompression(blob.pipe(post));
  blob.on('error', (e) => post.destroy(e));
  const stages: Array<Readable | Duplex> = [raw, createDecompressStream(compression)];
  if (opts.maxSize !== undefined) stages.push(createSizeLimit(opts.maxSize));
  stages.push(pre);
  const { stream, digests } = settle(stages, pre, post, compression);
  // The blob tap sits before the sniffer; wait for it too so its count is final.
  const both = Promise.all([digests, finished(post)]).then(([d]) => ({ ...d, digest: post.digest(), size: post.bytes }));
  both.catch(() => {});
  return { compression, stream, digests: both };
}
