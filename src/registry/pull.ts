// Pulling an image: tag or digest → manifest (an index is narrowed to one platform), config, then
// the layers, several at a time, each streamed into a sink that writes and checks it as it arrives
// (entries, diff_id); once its digest, size and diff_id are right it is committed, else dropped.
// Blobs the sink has are skipped. The caller records the image only after this returns: an
// interrupted pull records nothing.
import { isIndexMediaType, loadValidators, sha256Of, type Descriptor, type ImageConfig, type Reference } from '../oci/index.ts';
import { BerthError } from '../util/errors.ts';
import type { CredentialLookup } from './auth.ts';
import { LIMITS } from './bounded.ts';
import { connect, contentDigest, MANIFEST_ACCEPT } from './client.ts';
import { RegistryError } from './errors.ts';
import { shortId, type RegistryEventSink } from './events.ts';
import { fetchBlob, type BlobSink } from './fetch-blob.ts';
import { hostPlatform, selectManifest, type Platform } from './platform.ts';
import { runPool } from './pool.ts';
import type { RegistrySettings } from './settings.ts';
import { header, type Transport, type TransportOptions } from './transport.ts';

/** One layer as it arrives: written and checked on the fly, stored only by commit(). */
export interface LayerSink extends BlobSink {
  /** Every byte is in and the digest is right: the end of the entry check; diff_id and uncompressed size. */
  finish(): Promise<{ diffId: string; diffSize: number }>;
  commit(): Promise<void>;
  /** Drops what was written (a no-op after commit). */
  abort(): Promise<void>;
}

/** Where pulled blobs go (the store, wired by the api). */
export interface PullSink {
  has(digest: string): Promise<boolean>;
  openLayer(layer: Descriptor): Promise<LayerSink>;
  putBlob(bytes: Buffer, digest: string): Promise<void>;
}

export interface PullOptions extends Omit<TransportOptions, 'onRetry'> {
  settings: RegistrySettings;
  credentials?: CredentialLookup | undefined;
  platform?: Platform | undefined;
  onEvent?: RegistryEventSink | undefined;
  /** Layers downloaded at once (docker: 3). */
  concurrency?: number | undefined;
}

export interface PulledImage {
  /** Digest of the top-level document fetched (the index for a multi-platform image): docker's "Digest:". */
  repoDigest: string;
  manifestDigest: string;
  manifestBytes: Buffer;
  configDigest: string;
  config: ImageConfig;
  layers: Descriptor[];
  /** Uncompressed layer sizes; undefined for layers that were already stored. */
  diffSizes: Array<number | undefined>;
}

interface Fetched {
  bytes: Buffer;
  digest: string;
  mediaType: string | undefined;
}

async function fetchManifest(t: Transport, ref: Reference, reference: string): Promise<Fetched> {
  const what = `fetching manifest ${ref.familiarName()}:${reference}`.replace(':sha256:', '@sha256:');
  const { res, body } = await t.read({
    method: 'GET', url: `/v2/${ref.repository}/manifests/${reference}`, ok: [200], scopes: [`repository:${ref.repository}:pull`], what,
    headers: { accept: MANIFEST_ACCEPT },
  }, LIMITS.manifest).catch((e: unknown) => {
    if (e instanceof RegistryError && e.status === 404) {
      throw new RegistryError(`manifest for ${ref.familiarName()}:${reference} not found: manifest unknown`.replace(':sha256:', '@sha256:'), {
        status: 404, method: 'GET', url: e.request.split(' ')[1] ?? '', code: 'NOT_FOUND', diagnostics: e.diagnostics,
      });
    }
    if (e instanceof RegistryError && /more than the \d+ bytes/.test(e.message)) {
      throw new RegistryError(`${what}: the manifest is larger than the ${LIMITS.manifest} bytes allowed`, { method: 'GET', url: t.resolve(`/v2/${ref.repository}/manifests/${reference}`), retryable: false, cause: e });
    }
    throw e;
  });
  const digest = sha256Of(body);
  if (reference.startsWith('sha256:') && digest !== reference) {
    throw new RegistryError(`${what}: the registry sent a manifest whose digest is ${digest}`, { method: 'GET', url: res.url, code: 'INVALID_DIGEST', retryable: false });
  }
  const announced = contentDigest(res);
  if (announced !== undefined && announced !== digest) {
    throw new RegistryError(`${what}: Docker-Content-Digest says ${announced}, but the bytes hash to ${digest}`, { method: 'GET', url: res.url, code: 'INVALID_DIGEST', retryable: false });
  }
  const contentType = header(res, 'content-type')?.split(';')[0]?.trim();
  let docType: string | undefined;
  try { docType = (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType; } catch { /* validated below */ }
  return { bytes: body, digest, mediaType: docType ?? contentType };
}

async function fetchConfig(t: Transport, repository: string, d: Descriptor): Promise<Buffer> {
  if (d.size > LIMITS.config) throw new BerthError('INVALID_IMAGE', `the image config ${d.digest} is ${d.size} bytes, more than the ${LIMITS.config} allowed`);
  const { res, body } = await t.read({ method: 'GET', url: `/v2/${repository}/blobs/${d.digest}`, ok: [200], scopes: [`repository:${repository}:pull`], what: `fetching config ${d.digest}` }, LIMITS.config);
  if (body.length !== d.size || sha256Of(body) !== d.digest) {
    throw new RegistryError(`fetching config ${d.digest}: the content does not match its descriptor (digest or size)`, { method: 'GET', url: res.url, code: 'INVALID_DIGEST', retryable: false });
  }
  return body;
}

export async function pullImage(ref: Reference, sink: PullSink, opts: PullOptions): Promise<PulledImage> {
  const emit = opts.onEvent ?? ((): void => undefined);
  // A failed layer stops the others' downloads too (their temp files go in their finally blocks).
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const t = await connect(ref.registry, 'pull', {
    ...opts, signal, onRetry: ({ delayMs, error }) => emit({ type: 'retry', message: error.message, delayMs }),
  });
  try {
    const { validateConfig, validateIndex, validateManifest } = await loadValidators();
    emit({ type: 'start', action: 'pull', repository: ref.repository, tag: ref.digest ?? ref.tag }); // docker: "1: Pulling from library/busybox"
    const top = await fetchManifest(t, ref, ref.digest ?? ref.tag ?? 'latest');
    let manifest = top;
    if (isIndexMediaType(top.mediaType) || (top.mediaType === undefined && top.bytes.includes('"manifests"'))) {
      const index = validateIndex(top.bytes);
      const pick = selectManifest(index.manifests, opts.platform ?? hostPlatform(), ref.familiar());
      manifest = await fetchManifest(t, ref, pick.digest);
    }
    const parsed = validateManifest(manifest.bytes);
    const configBytes = await fetchConfig(t, ref.repository, parsed.config);
    const config = validateConfig(configBytes);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== parsed.layers.length) {
      throw new BerthError('INVALID_IMAGE', `image config ${parsed.config.digest} lists ${diffIds.length} layers, but the manifest has ${parsed.layers.length}`);
    }
    const diffSizes: Array<number | undefined> = parsed.layers.map(() => undefined);
    for (const l of parsed.layers) emit({ type: 'layer', id: shortId(l.digest), status: 'Pulling fs layer' });
    await runPool(parsed.layers, opts.concurrency ?? 3, async (layer, i) => {
      const id = shortId(layer.digest);
      if (await sink.has(layer.digest)) { emit({ type: 'layer', id, status: 'Already exists' }); return; }
      if (layer.urls?.length) {
        throw new BerthError('INVALID_IMAGE', `layer ${layer.digest} is a foreign layer (fetched from ${layer.urls[0]}), which berth does not pull`);
      }
      const arriving = await sink.openLayer(layer);
      try {
        await fetchBlob(t, ref.repository, layer, arriving, (done) => emit({ type: 'layer', id, status: 'Downloading', current: done, total: layer.size }));
        emit({ type: 'layer', id, status: 'Download complete' });
        emit({ type: 'layer', id, status: 'Extracting' });
        const checked = await arriving.finish();
        if (checked.diffId !== diffIds[i]) {
          throw new BerthError('INVALID_IMAGE', `layer ${i + 1} (${layer.digest}) has diff_id ${checked.diffId}, but the config says ${diffIds[i]}`, { hint: 'the image in the registry is corrupt; nothing was stored' });
        }
        await arriving.commit();
        diffSizes[i] = checked.diffSize;
        emit({ type: 'layer', id, status: 'Pull complete' });
      } finally {
        await arriving.abort();
      }
    }, (e) => stop.abort(e));
    await sink.putBlob(configBytes, parsed.config.digest);
    await sink.putBlob(manifest.bytes, manifest.digest);
    emit({ type: 'digest', digest: top.digest });
    return {
      repoDigest: top.digest, manifestDigest: manifest.digest, manifestBytes: manifest.bytes,
      configDigest: parsed.config.digest, config, layers: parsed.layers, diffSizes,
    };
  } finally {
    await t.close();
  }
}
