// `berth pull`: a registry image into the store, the same way `berth load` stores one (layers
// checked entry by entry, compressed blobs kept as they came), recorded and tagged only once every
// blob is in. An interrupted pull leaves only blobs, which the next pull reuses.
import { parseReference, type Descriptor, type Reference } from '../oci/index.ts';
import { listTags, parsePlatform, pullImage as pullFromRegistry, type LayerSink, type PullSink } from '../registry/index.ts';
import type { Store } from '../store/index.ts';
import { ArrivingLayer, manifestLinks } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import { openStore } from './image-resolve.ts';
import { credentialLookup } from '../registry/credentials.ts';
import { recordSources, settingsFrom, type RegistryCallOptions } from './registry-common.ts';

export interface PullImageOptions extends RegistryCallOptions {
  /** os[/arch[/variant]]; default the host's (linux/amd64 here). */
  platform?: string | undefined;
}

export interface PullImageResult {
  /** The normalized reference pulled, e.g. docker.io/library/busybox:latest. */
  reference: string;
  /** Image ID (config digest). */
  id: string;
  manifest: string;
  /** The digest docker prints: the index's for a multi-platform image. */
  digest: string;
  /** False when the tag already pointed to this manifest. */
  updated: boolean;
}

const MAX_LAYER_BYTES = 256 * 1024 ** 3;

function storeSink(store: Store): PullSink {
  return {
    has: (d) => store.blobs.has(d),
    async openLayer(layer: Descriptor): Promise<LayerSink> {
      // Written, hashed, decompressed and checked entry by entry as the bytes arrive.
      const arriving = await ArrivingLayer.open(store.blobs, { maxUncompressed: MAX_LAYER_BYTES });
      return {
        write: (chunk) => arriving.write(chunk),
        restart: () => arriving.restart(),
        digest: () => arriving.digest(),
        finish: () => arriving.finish(),
        commit: async () => { await arriving.commit({ digest: layer.digest, size: layer.size }); },
        abort: () => arriving.abort(),
      };
    },
    async putBlob(bytes, digest) {
      await store.blobs.put(bytes, { digest });
    },
  };
}

/** Uncompressed sizes of layers pulled before, from the image records that hold them. */
async function knownDiffSizes(store: Store, wanted: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const want = new Set(wanted);
  for (const img of await store.images()) {
    if (!img.diffSizes) continue;
    const links = manifestLinks(await store.blobs.read(img.manifest), img.manifest);
    links.layers.forEach((l, i) => { if (want.has(l) && img.diffSizes![i] !== undefined) out.set(l, img.diffSizes![i]!); });
  }
  return out;
}

export async function pullIntoStore(store: Store, ref: Reference, opts: PullImageOptions = {}): Promise<PullImageResult> {
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  return store.write(async () => {
    const pulled = await pullFromRegistry(ref, storeSink(store), {
      settings: settingsFrom(opts), credentials: opts.credentials ?? credentialLookup(), signal: opts.signal,
      platform, onEvent: opts.onEvent, idleTimeoutMs: opts.idleTimeoutMs,
    });
    const known = pulled.diffSizes.includes(undefined) ? await knownDiffSizes(store, pulled.layers.map((l) => l.digest)) : new Map<string, number>();
    const sizes = pulled.layers.map((l, i) => pulled.diffSizes[i] ?? known.get(l.digest));
    const tag = ref.tag !== undefined ? `${ref.name}:${ref.tag}` : undefined;
    const before = tag ? (await store.images()).find((i) => i.tags.includes(tag)) : undefined;
    await store.addImages([{
      manifest: pulled.manifestDigest, config: pulled.configDigest, tags: tag ? [tag] : [],
      ...(sizes.every((s) => s !== undefined) ? { diffSizes: sizes as number[] } : {}),
    }]);
    await recordSources(store, ref.name, [pulled.configDigest, ...pulled.layers.map((l) => l.digest)]).catch(() => undefined);
    return {
      reference: ref.toString(), id: pulled.configDigest, manifest: pulled.manifestDigest, digest: pulled.repoDigest,
      updated: before?.manifest !== pulled.manifestDigest,
    };
  });
}

/** `pull --all-tags`: every tag of the repository, one after another (a name with a tag is refused, as docker does). */
export async function pullAllTags(root: string, reference: string, opts: PullImageOptions = {}): Promise<PullImageResult[]> {
  const ref = parseReference(reference);
  if (ref.tagExplicit || ref.digest) throw new BerthError('INVALID_ARGUMENT', 'tag can\'t be used with --all-tags/-a');
  const store = await openStore(root);
  const tags = await listTags(ref, { settings: settingsFrom(opts), credentials: opts.credentials ?? credentialLookup(), signal: opts.signal, idleTimeoutMs: opts.idleTimeoutMs });
  if (tags.length === 0) throw new BerthError('NOT_FOUND', `repository ${ref.familiarName()} has no tags`);
  const out: PullImageResult[] = [];
  for (const tag of tags) out.push(await pullIntoStore(store, parseReference(`${ref.name}:${tag}`), opts));
  return out;
}

export async function pullImage(root: string, reference: string, opts: PullImageOptions = {}): Promise<PullImageResult> {
  let ref: Reference;
  try {
    ref = parseReference(reference);
  } catch (e) {
    throw e instanceof BerthError ? e : new BerthError('INVALID_REFERENCE', String(e));
  }
  return pullIntoStore(await openStore(root), ref, opts);
}
