// Uploading one blob into a started session: small blobs in one PUT (Distribution 2.8 wants POST
// then PUT), bigger ones as PATCH chunks with Content-Range (at least OCI-Chunk-Min-Length), then
// the closing PUT with the digest. A chunk that fails mid-way is resumed from the offset the
// registry reports (GET on the session: `Range: 0-N`), also after a 416 for an out-of-order chunk.
import { Transform, type Readable } from 'node:stream';
import { discard } from './bounded.ts';
import { RegistryError } from './errors.ts';
import { header, type Response, type Transport } from './transport.ts';

export interface UploadSource {
  digest: string;
  size: number;
  /** The blob's bytes from `start` to the end (or to `end`, inclusive). */
  open(start: number, end?: number): Readable;
}

export const DEFAULT_CHUNK = 64 * 1024 * 1024;
const MAX_STALLS = 3;

function location(res: Response, current: string, t: Transport): string {
  const loc = header(res, 'location');
  if (!loc) throw new RegistryError('the registry started an upload without giving its Location', { method: 'POST', url: current });
  return new URL(loc, t.resolve(current)).toString();
}

function withDigest(url: string, digest: string): string {
  const u = new URL(url);
  u.searchParams.set('digest', digest);
  return u.toString();
}

function counting(stream: Readable, base: number, onProgress: (done: number) => void): Readable {
  let done = base;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) { done += chunk.length; onProgress(done); cb(null, chunk); },
  });
  stream.on('error', (e) => tap.destroy(e));
  return stream.pipe(tap);
}

/** The next byte the registry expects, from the session's status (`Range: 0-N` → N+1). */
async function uploadedBytes(t: Transport, url: string, scopes: readonly string[]): Promise<{ next: number; url: string }> {
  const res = await t.send({ method: 'GET', url, ok: [204], scopes, what: 'checking the upload status' });
  discard(res.body);
  const range = /^(?:bytes=)?0-(\d+)$/.exec(header(res, 'range') ?? '');
  return { next: range ? Number(range[1]) + 1 : 0, url: header(res, 'location') ? location(res, url, t) : url };
}

export interface UploadOptions {
  scopes: readonly string[];
  chunkSize?: number | undefined;
  /** From the POST's OCI-Chunk-Min-Length header. */
  minChunk?: number | undefined;
  onProgress(done: number): void;
}

/** Sends the blob into the session at `sessionUrl` and commits it; resolves with the digest the registry reports. */
export async function uploadBlob(t: Transport, sessionUrl: string, src: UploadSource, opts: UploadOptions): Promise<void> {
  const chunk = Math.max(opts.chunkSize ?? DEFAULT_CHUNK, opts.minChunk ?? 0);
  let url = sessionUrl;
  const what = `uploading blob ${src.digest}`;
  if (src.size <= chunk) {
    // Monolithic: the PUT carries the body. A retry of a broken PUT cannot know what the session
    // kept, so it is not retried here; the caller starts a new session.
    await t.send({
      method: 'PUT', url: withDigest(url, src.digest), ok: [201, 204], scopes: opts.scopes, what, retry: false,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(src.size) },
      body: () => counting(src.open(0), 0, opts.onProgress),
    }).then((r) => discard(r.body));
    return;
  }
  let offset = 0;
  let stalls = 0;
  while (offset < src.size) {
    const end = Math.min(src.size, offset + chunk) - 1;
    const start = offset;
    try {
      const res = await t.send({
        method: 'PATCH', url, ok: [202, 204], scopes: opts.scopes, what, retry: false,
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end}`, 'content-length': String(end - start + 1) },
        body: () => counting(src.open(start, end), start, opts.onProgress),
      });
      discard(res.body);
      url = location(res, url, t);
      offset = end + 1;
      stalls = 0;
    } catch (e) {
      if (t.signal?.aborted) throw e;
      const retryable = !(e instanceof RegistryError) || e.retryable || e.status === 416;
      if (!retryable || ++stalls > MAX_STALLS) throw e;
      // Ask where the session is, and go on from there (the chunk may have partly or fully landed).
      // Distribution 2.8 invalidates a session whose PATCH broke mid-body (BLOB_UPLOAD_INVALID):
      // then the blob starts over in a new session (the caller retries retryable errors).
      const status = await uploadedBytes(t, url, opts.scopes).catch((se: unknown) => {
        if (se instanceof RegistryError && se.status !== undefined && se.status < 500) {
          throw new RegistryError(`${what}: the registry dropped the upload session after a broken chunk`, { method: 'GET', url, cause: se, retryable: true });
        }
        throw se;
      });
      url = status.url;
      if (status.next > offset) stalls = 0;
      offset = status.next;
    }
  }
  const res = await t.send({ method: 'PUT', url: withDigest(url, src.digest), ok: [201, 204], scopes: opts.scopes, what: `committing blob ${src.digest}`, headers: { 'content-length': '0' } });
  discard(res.body);
}
