// Pull-based byte reader over an async chunk iterator: exact reads for headers, zero-copy slices for bodies.

export class ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out so far (the offset of the next byte). */
  position = 0;

  constructor(private readonly it: AsyncIterator<unknown>) {}

  static from(source: AsyncIterable<unknown> | Iterable<unknown>): ByteSource {
    if (Symbol.asyncIterator in source) return new ByteSource(source[Symbol.asyncIterator]());
    const it = source[Symbol.iterator]();
    return new ByteSource({
      next: async () => it.next(),
      return: async () => it.return?.() ?? { done: true, value: undefined },
    });
  }

  private async fill(): Promise<boolean> {
    while (!this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      const v = r.value;
      const b = Buffer.isBuffer(v)
        ? v
        : v instanceof Uint8Array
          ? Buffer.from(v.buffer, v.byteOffset, v.byteLength)
          : Buffer.from(String(v));
      if (b.length > 0) {
        this.chunks.push(b);
        this.buffered += b.length;
        return true;
      }
    }
    return false;
  }

  /** Up to `max` bytes (at least 1), or null at end of input. May return a view into a source chunk. */
  async readSome(max: number): Promise<Buffer | null> {
    if (this.buffered === 0 && !(await this.fill())) return null;
    const head = this.chunks[0]!;
    let out: Buffer;
    if (head.length <= max) {
      this.chunks.shift();
      out = head;
    } else {
      out = head.subarray(0, max);
      this.chunks[0] = head.subarray(max);
    }
    this.buffered -= out.length;
    this.position += out.length;
    return out;
  }

  /** Exactly `n` bytes, or fewer if the input ends first (the caller decides what that means). */
  async readExact(n: number): Promise<Buffer> {
    while (this.buffered < n && (await this.fill()));
    const take = Math.min(n, this.buffered);
    if (this.chunks.length > 0 && this.chunks[0]!.length >= take) {
      const head = this.chunks[0]!;
      const out = head.subarray(0, take);
      if (head.length === take) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
      this.buffered -= take;
      this.position += take;
      return out;
    }
    const parts: Buffer[] = [];
    let need = take;
    while (need > 0) {
      const part = await this.readSome(need);
      if (!part) break;
      parts.push(part);
      need -= part.length;
    }
    return Buffer.concat(parts);
  }

  /** Discards `n` bytes; returns how many were actually skipped. */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const part = await this.readSome(Math.min(left, 1 << 20));
      if (!part) break;
      left -= part.length;
    }
    return n - left;
  }

  /** Reads and discards everything left. */
  async drain(): Promise<void> {
    while ((await this.readSome(1 << 20)) !== null);
  }

  /** Stops the underlying iterator (destroys a stream source). */
  async close(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    if (!this.ended) {
      this.ended = true;
      await this.it.return?.();
    }
  }
}
