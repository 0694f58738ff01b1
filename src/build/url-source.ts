// ADD of a file from an http(s) URL, as docker does it: the file is fetched by the builder (not in
// a container), named after the URL's last path segment (or Content-Disposition), mode 0600, its
// mtime the Last-Modified header when there is one; never extracted. `--checksum=sha256:…` pins
// the content. The step's cache key is the content's digest, so an unchanged file stays cached.
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { chmod, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { tempName } from '../util/atomic-file.ts';
import { LazyAgent, undici } from '../util/lazy-undici.ts';
import { BerthError } from '../util/errors.ts';
import { makeDirs } from '../util/make-dirs.ts';

export interface UrlFile {
  url: string;
  /** The directory holding the downloaded file. */
  dir: string;
  /** The file's name in `dir` (and in the image when the destination is a directory). */
  name: string;
  /** sha256 of the content. */
  digest: string;
}

/** One agent for every download (it trusts the user's extra CAs, see util/lazy-undici). */
const agent = new LazyAgent();

/** How long a download may go without receiving a byte. */
const IDLE_MS = 60_000;

/** The file name docker gives a URL's content: Content-Disposition's filename, else the path's last segment. */
export function urlFileName(url: URL, contentDisposition: string | null): string {
  const m = contentDisposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(contentDisposition) : null;
  const fromHeader = m ? path.posix.basename(decodeURIComponent(m[1]!)) : '';
  if (fromHeader && fromHeader !== '.' && fromHeader !== '..') return fromHeader;
  const segment = url.pathname.split('/').filter(Boolean).pop();
  const name = segment ? decodeURIComponent(segment) : '';
  return name && name !== '.' && name !== '..' && !name.includes('/') ? name : '__unnamed__';
}

/**
 * Downloads `source` into a fresh directory under `tmpRoot` (removed by `dispose`, and when the
 * process exits). `checksum` ("sha256:<hex>") must match the content.
 */
export async function fetchUrlSource(source: string, tmpRoot: string, checksum: string | undefined, signal?: AbortSignal): Promise<UrlFile & { dispose(): void }> {
  let url: URL;
  try {
    url = new URL(source);
  } catch (e) {
    throw new BerthError('INVALID_ARGUMENT', `ADD failed: "${source}" is not a valid URL`, { cause: e, hint: 'give a full http:// or https:// URL' });
  }
  if (checksum !== undefined && !/^sha256:[0-9a-f]{64}$/.test(checksum)) {
    throw new BerthError('INVALID_ARGUMENT', `invalid checksum "${checksum}" for ${source}`, { hint: 'give --checksum=sha256:<64 hex digits>' });
  }
  const dir = tempName(tmpRoot, 'add-url');
  const dispose = (): void => {
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', dispose);
  };
  process.once('exit', dispose);
  try {
    await makeDirs(dir, 0o700);
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), IDLE_MS);
    const touch = (): void => { clearTimeout(timer); timer = setTimeout(() => idle.abort(), IDLE_MS); };
    const abort = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
    let res: Response;
    try {
      const http = await undici();
      res = (await http.fetch(url, { redirect: 'follow', signal: abort, headers: { 'user-agent': 'berth' }, dispatcher: await agent.get() })) as unknown as Response;
    } catch (e) {
      clearTimeout(timer);
      throw new BerthError('COPY_FAILED', `ADD failed: cannot download ${source}: ${(e as Error).message}`, { cause: e });
    }
    if (!res.ok || !res.body) {
      clearTimeout(timer);
      throw new BerthError('COPY_FAILED', `ADD failed: ${source} answered ${res.status} ${res.statusText}`.trimEnd(), { hint: 'check the URL' });
    }
    const name = urlFileName(new URL(res.url || source), res.headers.get('content-disposition'));
    const file = path.join(dir, name);
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) { hash.update(chunk); touch(); done(null, chunk); },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), tap, createWriteStream(file, { mode: 0o600 }));
    } catch (e) {
      throw new BerthError('COPY_FAILED', `ADD failed: the download of ${source} broke off: ${idle.signal.aborted ? `no data for ${IDLE_MS / 1000} s` : (e as Error).message}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
    const digest = `sha256:${hash.digest('hex')}`;
    if (checksum !== undefined && checksum !== digest) {
      throw new BerthError('COPY_FAILED', `ADD failed: ${source}: digest mismatch ${digest}: expected ${checksum}`, { hint: 'the file changed, or --checksum is wrong' });
    }
    await chmod(file, 0o600);
    const modified = Date.parse(res.headers.get('last-modified') ?? '');
    if (!Number.isNaN(modified)) await utimes(file, new Date(modified), new Date(modified));
    return { url: source, dir, name, digest, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
