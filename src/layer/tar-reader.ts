// Streaming tar reader: async iterator of {header, body}; ustar, PAX (global + per-entry), GNU L/K, base-256.

import { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { ByteSource } from './byte-source.ts';
import { paddingFor } from './tar-encode.ts';
import { BLOCK_SIZE, decodeBlock, isZeroBlock, type RawHeader, type TarHeader } from './tar-header.ts';
import { PendingMeta } from './tar-meta.ts';

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
  const meta = new PendingMeta();
  let current: EntryBody | undefined;
  try {
    for (;;) {
      if (current) {
        await current.finish();
        current = undefined;
      }
      let raw: RawHeader;
      for (;;) {
        const at = src.position;
        const block = await src.readExact(BLOCK_SIZE);
        if (block.length === 0) {
          if (meta.pending) throw invalid(`archive truncated after the ${meta.pending} at byte ${at}`);
          if (opts.allowMissingEnd) return;
          throw invalid(`archive truncated at byte ${at}: no end-of-archive marker`);
        }
        if (block.length < BLOCK_SIZE) throw invalid(`archive truncated inside the header at byte ${at}`);
        if (isZeroBlock(block)) {
          if (meta.pending) throw invalid(`${meta.pending} at the end of the archive has no entry`);
          await src.drain(); // the second zero block and any record padding
          return;
        }
        raw = decodeBlock(block, at);
        if (!meta.begin(raw)) break;
        if (raw.size > maxMeta) {
          throw invalid(`${meta.pending} at byte ${at}: ${raw.size} bytes exceeds the ${maxMeta}-byte limit`);
        }
        const body = await src.readExact(raw.size);
        const pad = paddingFor(raw.size);
        if (body.length < raw.size || (await src.skip(pad)) < pad) {
          throw invalid(`archive truncated inside the ${meta.pending} at byte ${at}`);
        }
        meta.fold(raw, body);
      }
      const header = meta.header(raw);
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
