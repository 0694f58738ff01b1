// Tags and image records: one small JSON document (refs.json), replaced atomically and updated only
// under the refs lock, so concurrent berth processes never lose each other's updates.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import type { StoreLayout } from './layout.ts';
import type { StoreLocks } from './locks.ts';

export interface ImageRecord {
  /** Digest of the image manifest (the blob that names config and layers). */
  manifest: string;
  /** Digest of the config: docker's image ID. */
  config: string;
  /** When the image entered this store (ISO 8601). */
  added: string;
  /** Uncompressed size of each layer, bottom first, when known (docker's SIZE and history sizes). */
  diffSizes?: number[];
}

export interface RefsDocument {
  version: 1;
  images: Record<string, ImageRecord>;
  /** Normalized reference (`docker.io/library/busybox:latest`) → manifest digest. */
  tags: Record<string, string>;
}

const EMPTY = (): RefsDocument => ({ version: 1, images: {}, tags: {} });

export class Refs {
  constructor(private readonly layout: StoreLayout, private readonly locks: StoreLocks) {}

  async read(): Promise<RefsDocument> {
    let text: string;
    try {
      text = await readFile(this.layout.refsFile, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY();
      throw e;
    }
    try {
      const doc = JSON.parse(text) as RefsDocument;
      if (doc.version !== 1 || typeof doc.images !== 'object' || typeof doc.tags !== 'object') throw new Error('unexpected shape');
      return doc;
    } catch (e) {
      throw new BerthError('INTERNAL', `the store's ${this.layout.refsFile} is unreadable`, { cause: e, hint: 'run `berth system check --repair`' });
    }
  }

  /**
   * Read-modify-write under the refs lock; `fn` mutates the document and returns a result. A
   * document `fn` left as it was is not written again (a rebuild that tags the image it already
   * tagged costs no fsync).
   */
  async update<T>(fn: (doc: RefsDocument) => T | Promise<T>): Promise<T> {
    return this.locks.with('refs', 'exclusive', async () => {
      const doc = await this.read();
      const before = JSON.stringify(doc);
      const result = await fn(doc);
      // Compact: the document grows with every image a store keeps (dangling ones included), and
      // each update rewrites it whole; indented, a record took three times the bytes.
      const after = JSON.stringify(doc);
      if (after !== before) await writeFileAtomic(this.layout.refsFile, `${after}\n`, this.layout.tmpDir);
      return result;
    });
  }
}
