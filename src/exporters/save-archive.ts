// `berth save`: one tar that is both a docker archive (manifest.json) and an OCI image layout
// (oci-layout, index.json, blobs/), as current docker writes it, streamed blob by blob.
import type { Readable } from 'node:stream';
import { packTar, type TarSourceEntry } from '../layer/index.ts';
import { MediaType, parseReference } from '../oci/index.ts';
import { manifestLinks, type Store, type StoredImage } from '../store/index.ts';

export interface SaveEntry {
  image: StoredImage;
  /** Normalized references to record for it (docker saves the tags the user named, or all of them). */
  tags: readonly string[];
}

const blobPath = (digest: string): string => `blobs/sha256/${digest.slice('sha256:'.length)}`;

export function saveArchive(store: Store, entries: readonly SaveEntry[]): Readable {
  async function* generate(): AsyncGenerator<TarSourceEntry> {
    const written = new Set<string>();
    const dockerManifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
    const index: Array<Record<string, unknown>> = [];
    yield { header: { name: 'blobs', type: 'dir' } };
    yield { header: { name: 'blobs/sha256', type: 'dir' } };
    for (const { image, tags } of entries) {
      const manifestRaw = await store.blobs.read(image.manifest);
      const links = manifestLinks(manifestRaw, image.manifest);
      for (const digest of [image.manifest, links.config, ...links.layers]) {
        if (written.has(digest)) continue;
        written.add(digest);
        const size = await store.blobs.size(digest);
        yield { header: { name: blobPath(digest), type: 'file', size, mode: 0o444 }, body: store.blobs.openRead(digest) };
      }
      dockerManifest.push({
        Config: blobPath(links.config),
        RepoTags: tags.length ? tags.map((t) => parseReference(t).familiar()) : null,
        Layers: links.layers.map(blobPath),
      });
      const descriptor = { mediaType: MediaType.OciManifest, digest: image.manifest, size: manifestRaw.length };
      if (tags.length === 0) index.push(descriptor);
      for (const t of tags) {
        index.push({ ...descriptor, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': parseReference(t).tag ?? 'latest' } });
      }
    }
    const json = (name: string, value: unknown): TarSourceEntry => {
      const body = Buffer.from(JSON.stringify(value) + (name === 'manifest.json' ? '\n' : ''));
      return { header: { name, type: 'file', size: body.length, mode: 0o444 }, body };
    };
    yield json('index.json', { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: index });
    yield json('manifest.json', dockerManifest);
    yield json('oci-layout', { imageLayoutVersion: '1.0.0' });
  }
  return packTar(generate());
}
