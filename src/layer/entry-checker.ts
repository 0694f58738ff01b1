// checkLayerEntries for bytes that are pushed rather than pulled: a layer tar fed chunk by chunk
// (a download as it arrives), checked synchronously, so a chunk's memory may be reused as soon as
// push() returns. Bodies are skipped by count, never copied; only headers and meta entries are.
// Same checks and messages as readTar + checkLayerEntries, including for a truncated archive.
import { BerthError } from '../util/errors.ts';
import { checkEntry } from './check-entries.ts';
import { paddingFor } from './tar-encode.ts';
import { BLOCK_SIZE, decodeBlock, isZeroBlock, type RawHeader } from './tar-header.ts';
import { PendingMeta } from './tar-meta.ts';

function invalid(message: string): BerthError {
  return new BerthError('INVALID_ARCHIVE', message);
}

type State =
  | { kind: 'header' }
  /** A meta entry's body, collected whole (it is small: at most maxMetaSize). */
  | { kind: 'meta'; raw: RawHeader; at: number; body: Buffer; have: number }
  /** Bytes passed over: an entry's body (`size` of them) then its padding, or a meta entry's padding. */
  | { kind: 'skip'; left: number; size: number; name: string; meta?: { raw: RawHeader; at: number; body: Buffer } }
  | { kind: 'end' };

export class EntryChecker {
  private state: State = { kind: 'header' };
  private readonly block = Buffer.alloc(BLOCK_SIZE);
  private blockHave = 0;
  private readonly meta = new PendingMeta();
  /** Archive offset of the next byte. */
  private position = 0;
  private count = 0;

  constructor(private readonly maxMetaSize = 1 << 20) {}

  /** Takes the next bytes; throws (INVALID_ARCHIVE, UNSAFE_PATH) at the first bad entry. */
  push(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      const s = this.state;
      const avail = chunk.length - off;
      if (s.kind === 'end') return; // anything after the end-of-archive marker is ignored
      if (s.kind === 'skip') {
        const n = Math.min(s.left, avail);
        s.left -= n;
        off += n;
        this.position += n;
        if (s.left === 0) this.skipped(s);
      } else if (s.kind === 'meta') {
        const n = Math.min(s.body.length - s.have, avail);
        s.body.set(chunk.subarray(off, off + n), s.have);
        s.have += n;
        off += n;
        this.position += n;
        if (s.have === s.body.length) this.metaRead(s.raw, s.at, s.body);
      } else {
        const n = Math.min(BLOCK_SIZE - this.blockHave, avail);
        this.block.set(chunk.subarray(off, off + n), this.blockHave);
        this.blockHave += n;
        off += n;
        this.position += n;
        if (this.blockHave === BLOCK_SIZE) {
          this.blockHave = 0;
          this.header(this.position - BLOCK_SIZE);
        }
      }
    }
  }

  /** All bytes are in: the number of entries, or why the archive is cut short. */
  end(): number {
    const s = this.state;
    if (s.kind === 'end') return this.count;
    if (s.kind === 'header') {
      if (this.blockHave > 0) throw invalid(`archive truncated inside the header at byte ${this.position - this.blockHave}`);
      if (this.meta.pending) throw invalid(`archive truncated after the ${this.meta.pending} at byte ${this.position}`);
      throw invalid(`archive truncated at byte ${this.position}: no end-of-archive marker`);
    }
    if (s.kind === 'meta') throw invalid(`archive truncated inside the ${this.meta.pending} at byte ${s.at}`);
    if (s.meta) throw invalid(`archive truncated inside the ${this.meta.pending} at byte ${s.meta.at}`);
    const inBody = s.left - paddingFor(s.size);
    if (inBody > 0) {
      throw invalid(`entry '${s.name}': archive truncated: body ends after ${s.size - inBody} of ${s.size} bytes (the size header is larger than the data)`);
    }
    throw invalid(`entry '${s.name}': archive truncated in the body padding`);
  }

  private header(at: number): void {
    if (isZeroBlock(this.block)) {
      if (this.meta.pending) throw invalid(`${this.meta.pending} at the end of the archive has no entry`);
      this.state = { kind: 'end' };
      return;
    }
    const raw = decodeBlock(this.block, at);
    if (this.meta.begin(raw)) {
      if (raw.size > this.maxMetaSize) {
        throw invalid(`${this.meta.pending} at byte ${at}: ${raw.size} bytes exceeds the ${this.maxMetaSize}-byte limit`);
      }
      if (raw.size === 0) this.metaRead(raw, at, Buffer.alloc(0));
      else this.state = { kind: 'meta', raw, at, body: Buffer.alloc(raw.size), have: 0 };
      return;
    }
    const header = this.meta.header(raw);
    this.count++;
    checkEntry(header);
    const left = header.size + paddingFor(header.size);
    this.state = left === 0 ? { kind: 'header' } : { kind: 'skip', left, size: header.size, name: header.name };
  }

  /** A meta entry's body is in; its padding follows. */
  private metaRead(raw: RawHeader, at: number, body: Buffer): void {
    const s = { kind: 'skip' as const, left: paddingFor(body.length), size: 0, name: '', meta: { raw, at, body } };
    this.state = s;
    if (s.left === 0) this.skipped(s);
  }

  /** A skip is over: a meta entry's body now counts (after its padding, as readTar reads it). */
  private skipped(s: Extract<State, { kind: 'skip' }>): void {
    this.state = { kind: 'header' };
    if (s.meta) this.meta.fold(s.meta.raw, s.meta.body);
  }
}
