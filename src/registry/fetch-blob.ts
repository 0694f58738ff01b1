// Downloads one blob into a sink that takes its bytes in order (the store writes, hashes and checks
// them as they arrive), verified against its digest and size before the caller may commit it. A
// dropped connection resumes with `Range: bytes=N-` (the sink just goes on from byte N; a server
// that ignores Range restarts it from 0, and so does the sink); three drops in a row without
// progress end it. A flipped byte (digest mismatch) is fetched once more from scratch, then reported.
import { discard } from './bounded.ts';
import { RegistryError } from './errors.ts';
import { header, type Transport } from './transport.ts';

export interface BlobTarget {
  digest: string;
  size: number;
}

/** Where a download's bytes go, in order from byte 0. */
export interface BlobSink {
  /** Settles when the chunk is taken; its memory is reused for later bytes after that, so keep no reference to it. */
  write(chunk: Buffer): Promise<void>;
  /** Forget everything written: the bytes come again from byte 0. */
  restart(): Promise<void>;
  /** sha256 of what was written so far. */
  digest(): string;
}

const MAX_STALLS = 3;

export async function fetchBlob(t: Transport, repository: string, blob: BlobTarget, sink: BlobSink, onProgress: (done: number) => void): Promise<void> {
  const url = `/v2/${repository}/blobs/${blob.digest}`;
  const what = `fetching blob ${blob.digest}`;
  for (let round = 1; ; round++) {
    if (round > 1) await sink.restart();
    await download(t, sink, url, what, blob, onProgress);
    const actual = sink.digest();
    if (actual === blob.digest) return;
    if (round >= 2) {
      throw new RegistryError(`${what}: the content does not match its digest (got ${actual})`, {
        method: 'GET', url: t.resolve(url), retryable: false, code: 'INVALID_DIGEST', hint: 'the registry or something between holds corrupt data; nothing was stored',
      });
    }
  }
}

/** Sends all `blob.size` bytes into the sink (which starts empty), resuming after drops. */
async function download(t: Transport, sink: BlobSink, url: string, what: string, blob: BlobTarget, onProgress: (done: number) => void): Promise<void> {
  let have = 0;
  let stalls = 0;
  for (;;) {
    const ranged = have > 0;
    const res = await t.send({
      method: 'GET', url, ok: [200, 206], scopes: [], what,
      headers: ranged ? { range: `bytes=${have}-` } : {},
    });
    if (ranged && (res.status !== 206 || !header(res, 'content-range')?.startsWith(`bytes ${have}-`))) {
      // No Range support here (or a range we did not ask for): start over.
      await sink.restart();
      have = 0;
    }
    const before = have;
    let sinkFailed = false;
    try {
      // The raw client's chunks share a few receive buffers: each is written before the next is read.
      for await (const chunk of res.chunks?.() ?? res.body) {
        const buf = chunk as Buffer;
        if (have + buf.length > blob.size) {
          discard(res.body);
          throw new RegistryError(`${what}: the registry sent more than the ${blob.size} bytes the manifest announces`, { method: 'GET', url: res.url, retryable: false, code: 'INVALID_DIGEST' });
        }
        await sink.write(buf).catch((e: unknown) => { sinkFailed = true; throw e; });
        have += buf.length;
        onProgress(have);
      }
      if (have === blob.size) return;
      // A clean end short of the size: a truncated body. Resume like a drop.
    } catch (e) {
      // A failure of the sink itself (disk full) is no network drop: report it as it is.
      if (e instanceof RegistryError || t.signal?.aborted || sinkFailed) throw e;
    }
    stalls = have > before ? 0 : stalls + 1;
    if (stalls >= MAX_STALLS) {
      throw new RegistryError(`${what}: the connection keeps dropping at byte ${have} of ${blob.size}`, { method: 'GET', url: t.resolve(url), retryable: true });
    }
  }
}
