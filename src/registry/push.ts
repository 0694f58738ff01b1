// Pushing an image: every blob is checked with HEAD first, mounted from another repository of the
// same registry when the image came from there (202 means "not mounted": upload into the session
// it opened), else uploaded; layers go several at a time, the config after them, and the manifest
// last with its own media type and exact bytes, so the registry never holds a manifest whose
// blobs are missing. A broken monolithic upload is redone in a fresh session.
import type { Reference } from '../oci/index.ts';
import type { CredentialLookup } from './auth.ts';
import { connect, contentDigest } from './client.ts';
import { discard } from './bounded.ts';
import { RegistryError } from './errors.ts';
import { shortId, type RegistryEventSink } from './events.ts';
import { runPool } from './pool.ts';
import type { RegistrySettings } from './settings.ts';
import { backoffDelay, DEFAULT_RETRY, sleep } from './retry.ts';
import { header, type Transport, type TransportOptions } from './transport.ts';
import { uploadBlob, type UploadSource } from './upload.ts';
import { sha256Of } from '../oci/index.ts';

export interface PushBlob extends UploadSource {
  /** Repositories (on the same registry) that hold this blob already: mount candidates. */
  mountFrom?: readonly string[];
  /** A foreign / non-distributable layer: the manifest names it, but its bytes are never uploaded. */
  foreign?: boolean;
  /** What progress calls the blob: docker names a pushed layer by its diff_id (the digest otherwise). */
  label?: string | undefined;
}

export interface PushSource {
  manifestBytes: Buffer;
  manifestMediaType: string;
  config: PushBlob;
  layers: readonly PushBlob[];
}

export interface PushOptions extends Omit<TransportOptions, 'onRetry'> {
  settings: RegistrySettings;
  credentials?: CredentialLookup | undefined;
  onEvent?: RegistryEventSink | undefined;
  /** Layers uploaded at once (docker: 5). */
  concurrency?: number | undefined;
  chunkSize?: number | undefined;
}

export interface PushResult {
  digest: string;
  size: number;
}

type BlobOutcome = 'exists' | 'mounted' | 'pushed';

async function blobExists(t: Transport, repository: string, digest: string): Promise<boolean> {
  // A 401 here is an error (the transport answers it), never "missing".
  const res = await t.send({ method: 'HEAD', url: `/v2/${repository}/blobs/${digest}`, ok: [200, 404], scopes: [`repository:${repository}:pull,push`], what: `checking blob ${digest}` });
  discard(res.body);
  return res.status === 200;
}

async function startSession(t: Transport, repository: string, blob: PushBlob): Promise<{ mounted: string } | { url: string; minChunk?: number }> {
  const scopes = [`repository:${repository}:pull,push`];
  for (const from of blob.mountFrom ?? []) {
    if (from === repository) continue;
    const res = await t.send({
      method: 'POST', url: `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`,
      ok: [201, 202], scopes: [...scopes, `repository:${from}:pull`], what: `mounting blob ${blob.digest} from ${from}`, headers: { 'content-length': '0' },
    }).catch(() => undefined); // a refused mount is not a failure: upload instead
    if (!res) continue;
    discard(res.body);
    if (res.status === 201) return { mounted: from };
    const loc = header(res, 'location');
    if (loc) return { url: new URL(loc, res.url).toString(), ...minChunk(res) };
  }
  const res = await t.send({ method: 'POST', url: `/v2/${repository}/blobs/uploads/`, ok: [202], scopes, what: `starting the upload of ${blob.digest}`, headers: { 'content-length': '0' } });
  discard(res.body);
  const loc = header(res, 'location');
  if (!loc) throw new RegistryError('the registry started an upload without giving its Location', { method: 'POST', url: res.url });
  return { url: new URL(loc, res.url).toString(), ...minChunk(res) };
}

function minChunk(res: { headers: Record<string, string | string[] | undefined> }): { minChunk?: number } {
  const v = Number(header(res, 'oci-chunk-min-length'));
  return Number.isFinite(v) && v > 0 ? { minChunk: v } : {};
}

async function pushBlob(t: Transport, repository: string, blob: PushBlob, opts: PushOptions, onProgress: (done: number) => void): Promise<{ outcome: BlobOutcome; from?: string }> {
  if (await blobExists(t, repository, blob.digest)) return { outcome: 'exists' };
  for (let attempt = 1; ; attempt++) {
    const session = await startSession(t, repository, blob);
    if ('mounted' in session) return { outcome: 'mounted', from: session.mounted };
    try {
      await uploadBlob(t, session.url, blob, { scopes: [`repository:${repository}:pull,push`], chunkSize: opts.chunkSize, minChunk: session.minChunk, onProgress });
      return { outcome: 'pushed' };
    } catch (e) {
      const retryable = e instanceof RegistryError && e.retryable;
      if (!retryable || attempt >= DEFAULT_RETRY.attempts || t.signal?.aborted) throw e;
      await t.send({ method: 'DELETE', url: session.url, ok: [202, 204, 404], scopes: [`repository:${repository}:pull,push`], what: 'cancelling an upload', retry: false })
        .then((r) => discard(r.body), () => undefined);
      await sleep(backoffDelay(DEFAULT_RETRY, attempt), t.signal);
    }
  }
}

/** Pushes one image under `ref` (its tag, or by digest when it has none). */
export async function pushImage(ref: Reference, image: PushSource, opts: PushOptions): Promise<PushResult> {
  const emit = opts.onEvent ?? ((): void => undefined);
  const stop = new AbortController(); // a failed layer stops the other uploads
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const t = await connect(ref.registry, 'push', { ...opts, signal, onRetry: ({ delayMs, error }) => emit({ type: 'retry', message: error.message, delayMs }) });
  try {
    emit({ type: 'start', action: 'push', repository: ref.name, tag: ref.tag });
    for (const l of image.layers) emit({ type: 'layer', id: shortId(l.label ?? l.digest), status: 'Preparing' });
    await runPool(image.layers, opts.concurrency ?? 5, async (layer) => {
      const id = shortId(layer.label ?? layer.digest);
      if (layer.foreign) { emit({ type: 'layer', id, status: 'Skipped foreign layer' }); return; }
      const r = await pushBlob(t, ref.repository, layer, opts, (done) => emit({ type: 'layer', id, status: 'Pushing', current: done, total: layer.size }));
      if (r.outcome === 'exists') emit({ type: 'layer', id, status: 'Layer already exists' });
      else if (r.outcome === 'mounted') emit({ type: 'layer', id, status: 'Mounted', from: r.from! });
      else emit({ type: 'layer', id, status: 'Pushed' });
    }, (e) => stop.abort(e));
    await pushBlob(t, ref.repository, image.config, opts, () => undefined);
    const reference = ref.tag ?? sha256Of(image.manifestBytes);
    const res = await t.send({
      method: 'PUT', url: `/v2/${ref.repository}/manifests/${reference}`, ok: [201, 204], scopes: [`repository:${ref.repository}:pull,push`],
      what: `pushing manifest ${ref.familiar()}`, headers: { 'content-type': image.manifestMediaType }, body: () => image.manifestBytes,
    });
    discard(res.body);
    const digest = sha256Of(image.manifestBytes);
    const announced = contentDigest(res);
    if (announced !== undefined && announced !== digest) {
      throw new RegistryError(`pushing manifest ${ref.familiar()}: the registry stored it as ${announced}, not ${digest}`, { method: 'PUT', url: res.url, code: 'INVALID_DIGEST', retryable: false });
    }
    emit({ type: 'digest', digest, size: image.manifestBytes.length, tag: ref.tag });
    return { digest, size: image.manifestBytes.length };
  } finally {
    await t.close();
  }
}

/** Verifies credentials against a registry (GET /v2/ through the auth flow): `berth login`. */
export async function checkLogin(registry: string, opts: { settings: RegistrySettings; credentials: CredentialLookup; signal?: AbortSignal | undefined; idleTimeoutMs?: number | undefined }): Promise<void> {
  const t = await connect(registry, 'push', opts);
  try {
    if (!t.auth.known) return; // an open registry accepts anyone
    const res = await t.send({ method: 'GET', url: '/v2/', ok: [200], scopes: [], what: `logging in to ${registry}` });
    discard(res.body);
  } finally {
    await t.close();
  }
}
