// Downloads one blob into a file, verified against its digest and size before the caller may use
// it. A dropped connection resumes with `Range: bytes=N-` (a server that ignores Range restarts it
// from 0); three drops in a row without progress end it. A flipped byte (digest mismatch) is
// fetched once more from scratch, then reported.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { discard } from './bounded.ts';
import { RegistryError } from './errors.ts';
import { header, type Transport } from './transport.ts';

export interface BlobTarget {
  digest: string;
  size: number;
}

const MAX_STALLS = 3;

export async function fetchBlobToFile(t: Transport, repository: string, blob: BlobTarget, file: string, onProgress: (done: number) => void): Promise<void> {
  const url = `/v2/${repository}/blobs/${blob.digest}`;
  const what = `fetching blob ${blob.digest}`;
  const fh = await open(file, 'w', 0o600);
  try {
    for (let round = 1; ; round++) {
      const actual = await download(t, fh, url, what, blob, onProgress);
      if (actual === blob.digest) break;
      if (round >= 2) {
        throw new RegistryError(`${what}: the content does not match its digest (got ${actual})`, {
          method: 'GET', url: t.resolve(url), retryable: false, code: 'INVALID_DIGEST', hint: 'the registry or something between holds corrupt data; nothing was stored',
        });
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function download(t: Transport, fh: FileHandle, url: string, what: string, blob: BlobTarget, onProgress: (done: number) => void): Promise<string> {
  await fh.truncate(0);
  let hash: Hash = createHash('sha256');
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
      await fh.truncate(0);
      hash = createHash('sha256');
      have = 0;
    }
    const before = have;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        if (have + buf.length > blob.size) {
          discard(res.body);
          throw new RegistryError(`${what}: the registry sent more than the ${blob.size} bytes the manifest announces`, { method: 'GET', url: res.url, retryable: false, code: 'INVALID_DIGEST' });
        }
        hash.update(buf);
        for (let off = 0; off < buf.length;) off += (await fh.write(buf, off, buf.length - off, have + off)).bytesWritten;
        have += buf.length;
        onProgress(have);
      }
      if (have === blob.size) return `sha256:${hash.digest('hex')}`;
      // A clean end short of the size: a truncated body. Resume like a drop.
    } catch (e) {
      if (e instanceof RegistryError || t.signal?.aborted) throw e;
    }
    stalls = have > before ? 0 : stalls + 1;
    if (stalls >= MAX_STALLS) {
      throw new RegistryError(`${what}: the connection keeps dropping at byte ${have} of ${blob.size}`, { method: 'GET', url: t.resolve(url), retryable: true });
    }
  }
}
