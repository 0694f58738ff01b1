// `berth load`: docker archives (manifest.json) and OCI layouts (index.json), plain or compressed,
// into the store. All or nothing: every blob is verified (digests, diff_ids) before one refs update
// records every image; on any error nothing is recorded and the staged files are removed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { manifestFor } from '../image/new-image.ts';
import { isIndexMediaType, loadValidators, parseReference, sha256Of, type Descriptor } from '../oci/index.ts';
import { BerthError } from '../util/errors.ts';
import { ArchiveStaging } from './archive-staging.ts';
import { ingestLayer } from './ingest-layer.ts';
import type { Store, StoredImage } from './store.ts';

interface PendingImage {
  configBytes: Buffer;
  /** Staged layer files, bottom first, with the blob digest to verify when the archive names one. */
  layers: Array<{ file: string; digest?: string }>;
  tags: string[];
}

const MAX_LAYER_BYTES = 256 * 1024 ** 3;

const blobName = (d: Descriptor | { digest: string }): string => `blobs/${d.digest.replace(':', '/')}`;

async function fromDockerManifest(staging: ArchiveStaging): Promise<PendingImage[]> {
  const raw = await staging.document('manifest.json', 'manifest');
  let entries: unknown;
  try { entries = JSON.parse(raw.toString('utf8')); } catch (e) { throw new BerthError('INVALID_ARCHIVE', 'manifest.json is not valid JSON', { cause: e }); }
  if (!Array.isArray(entries)) throw new BerthError('INVALID_ARCHIVE', 'manifest.json must be a JSON array of images');
  const out: PendingImage[] = [];
  for (const [i, e] of entries.entries()) {
    const entry = e as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
    if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string')) {
      throw new BerthError('INVALID_ARCHIVE', `manifest.json[${i}] needs a Config path and a Layers list`);
    }
    const tags = Array.isArray(entry.RepoTags) ? entry.RepoTags.map((t) => parseReference(String(t)).toString()) : [];
    out.push({
      configBytes: await staging.document(entry.Config, 'image config'),
      layers: (entry.Layers as string[]).map((l) => ({ file: staging.require(l, 'layer') })),
      tags,
    });
  }
  return out;
}

async function verifiedBlob(staging: ArchiveStaging, d: Descriptor, what: string): Promise<Buffer> {
  const bytes = await staging.document(blobName(d), what);
  if (sha256Of(bytes) !== d.digest || bytes.length !== d.size) {
    throw new BerthError('INVALID_ARCHIVE', `${what} ${d.digest} does not match its descriptor (digest or size differs)`, { hint: 'the archive is corrupt' });
  }
  return bytes;
}

async function fromOciLayout(staging: ArchiveStaging): Promise<PendingImage[]> {
  const { validateIndex, validateManifest } = await loadValidators();
  const index = validateIndex(await staging.document('index.json', 'OCI index'));
  const out: PendingImage[] = [];
  const visit = async (d: Descriptor, tags: string[], depth: number): Promise<void> => {
    if (depth > 4) throw new BerthError('INVALID_ARCHIVE', 'OCI indexes nested too deeply');
    if (isIndexMediaType(d.mediaType)) {
      const nested = validateIndex(await verifiedBlob(staging, d, 'image index'));
      const arch = process.arch === 'x64' ? 'amd64' : process.arch;
      const pick = nested.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch) ?? nested.manifests[0];
      if (!pick) throw new BerthError('INVALID_ARCHIVE', `image index ${d.digest} lists no manifests`);
      await visit(pick, tags, depth + 1);
      return;
    }
    const manifest = validateManifest(await verifiedBlob(staging, d, 'image manifest'));
    const configBytes = await verifiedBlob(staging, manifest.config, 'image config');
    out.push({ configBytes, layers: manifest.layers.map((l) => ({ file: staging.require(blobName(l), 'layer blob'), digest: l.digest })), tags });
  };
  for (const d of index.manifests) {
    const name = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'];
    const tags = name !== undefined && /[:/]/.test(name) ? [parseReference(name).toString()] : [];
    await visit(d, tags, 0);
  }
  return out;
}

async function fileDigest(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

export async function loadArchive(store: Store, source: Readable): Promise<StoredImage[]> {
  return store.write(async () => {
    const staging = await ArchiveStaging.unpack(store.layout.tmpDir, source);
    try {
      let pending: PendingImage[];
      if (staging.has('manifest.json')) pending = await fromDockerManifest(staging);
      else if (staging.has('index.json')) pending = await fromOciLayout(staging);
      else throw new BerthError('INVALID_ARCHIVE', 'this is not an image archive: it has neither manifest.json nor index.json', { hint: 'give a file written by `docker save`, `berth save` or an OCI image layout' });
      if (pending.length === 0) throw new BerthError('INVALID_ARCHIVE', 'the archive holds no image');

      const { validateConfig } = await loadValidators();
      const records = [];
      for (const img of pending) {
        const config = validateConfig(img.configBytes);
        const diffIds = config.rootfs.diff_ids;
        if (diffIds.length !== img.layers.length) {
          throw new BerthError('INVALID_ARCHIVE', `image config ${sha256Of(img.configBytes)} lists ${diffIds.length} layers, but the archive gives ${img.layers.length}`);
        }
        const layers = [];
        for (const [i, l] of img.layers.entries()) {
          if (l.digest !== undefined && (await fileDigest(l.file)) !== l.digest) {
            throw new BerthError('INVALID_ARCHIVE', `layer blob ${l.digest} does not match its digest`, { hint: 'the archive is corrupt' });
          }
          const layer = await ingestLayer(store.blobs, createReadStream(l.file), { maxUncompressed: MAX_LAYER_BYTES });
          if (layer.diffId !== diffIds[i]) {
            throw new BerthError('INVALID_ARCHIVE', `layer ${i + 1} has diff_id ${layer.diffId}, but the config says ${diffIds[i]}`, { hint: 'the archive is corrupt or was altered' });
          }
          layers.push(layer);
        }
        const built = manifestFor(img.configBytes, layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })));
        await store.blobs.put(built.configBytes, { digest: built.configDigest });
        await store.blobs.put(built.manifestBytes, { digest: built.manifestDigest });
        records.push({ manifest: built.manifestDigest, config: built.configDigest, tags: img.tags, diffSizes: layers.map((l) => l.diffSize) });
      }
      return await store.addImages(records);
    } finally {
      await staging.dispose();
    }
  });
}
