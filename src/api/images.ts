// Image commands over the store: import, list, tag, remove, inspect, history.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { convertInstruction } from '../dockerfile/instructions/index.ts';
import { parseDockerfile } from '../dockerfile/syntax/index.ts';
import { applyMetadata, METADATA_KINDS } from '../build/apply-metadata.ts';
import { buildCacheRoots } from '../build/cache-roots.ts';
import { serializeImage } from '../image/new-image.ts';
import type { HistoryEntry, ImageConfig } from '../oci/index.ts';
import { hostPlatform, parsePlatform } from '../plan/index.ts';
import { ingestLayer } from '../store/ingest-layer.ts';
import type { Store, StoredImage } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import { imageUsers } from './container-users.ts';
import { familiar, normalizeName, openStore, resolveImage } from './image-resolve.ts';

export interface ImportOptions {
  /** A file path, or '-' with `stream` set. */
  source: string;
  stream?: Readable;
  reference?: string;
  changes?: readonly string[];
  message?: string;
  platform?: string;
}

function parseChange(text: string): ReturnType<typeof convertInstruction> {
  const { tree, diagnostics } = parseDockerfile(text);
  const err = diagnostics.find((d) => d.severity === 'error');
  const node = tree.instructions[0];
  if (err || !node || tree.instructions.length !== 1) throw new BerthError('INVALID_ARGUMENT', `invalid --change "${text}": ${err?.message ?? 'expected one Dockerfile instruction'}`);
  const inst = convertInstruction(node);
  if (!METADATA_KINDS.has(inst.kind) || inst.kind === 'maintainer' || inst.kind === 'shell' || inst.kind === 'healthcheck') {
    throw new BerthError('INVALID_ARGUMENT', `${node.keyword} is not supported by --change`, { hint: 'use one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR' });
  }
  return inst;
}

export async function importImage(root: string, opts: ImportOptions): Promise<{ id: string; tag?: string }> {
  const tag = opts.reference !== undefined ? normalizeName(opts.reference) : undefined;
  const changes = (opts.changes ?? []).map(parseChange); // validate everything before touching the store
  const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  let source = opts.stream;
  if (!source) {
    const st = await stat(opts.source).catch((e: unknown) => { throw new BerthError('NOT_FOUND', `cannot read ${opts.source}: no such file`, { cause: e }); });
    if (!st.isFile()) throw new BerthError('INVALID_ARGUMENT', `${opts.source} is not a file`, { hint: 'give a tar archive of a root filesystem' });
    source = createReadStream(opts.source);
  }
  const store = await openStore(root);
  return store.write(async () => {
    const layer = await ingestLayer(store.blobs, source, { maxUncompressed: 64 * 1024 ** 3 });
    const created = new Date().toISOString();
    const config: ImageConfig = {
      architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
      created, config: {},
      rootfs: { type: 'layers', diff_ids: [layer.diffId as never] },
      history: [{ created, comment: opts.message ?? 'Imported from -' }],
    };
    const stage = { cmdSet: false }; // as docker's classic builder: an ENTRYPOINT keeps a CMD given before it
    for (const c of changes) applyMetadata(config, c, { escapeToken: '\\', stage });
    const img = serializeImage(config, [{ digest: layer.digest, size: layer.size, mediaType: layer.mediaType }]);
    await store.blobs.put(img.configBytes, { digest: img.configDigest });
    await store.blobs.put(img.manifestBytes, { digest: img.manifestDigest });
    await store.addImage({ manifest: img.manifestDigest, config: img.configDigest, tags: tag ? [tag] : [], diffSizes: [layer.diffSize] });
    return { id: img.configDigest, ...(tag ? { tag } : {}) };
  });
}

export interface ImageSummary {
  id: string;
  manifest: string;
  repoTags: string[];
  created: string | undefined;
  size: number;
}

async function readConfig(store: Store, image: StoredImage): Promise<ImageConfig> {
  return JSON.parse((await store.blobs.read(image.config)).toString('utf8')) as ImageConfig;
}

/** docker's `images --filter` keys berth supports; any other key is an error, never ignored. */
interface ImageFilters { dangling?: boolean; references: RegExp[]; labels: Array<[string, string | undefined]> }

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function parseFilters(filters: readonly string[]): ImageFilters {
  const out: ImageFilters = { references: [], labels: [] };
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    if (key === 'dangling' && (value === 'true' || value === 'false')) out.dangling = value === 'true';
    else if (key === 'reference' && value !== '') out.references.push(globToRegExp(value));
    else if (key === 'label' && value !== '') {
      const i = value.indexOf('=');
      out.labels.push(i < 0 ? [value, undefined] : [value.slice(0, i), value.slice(i + 1)]);
    } else {
      throw new BerthError('INVALID_ARGUMENT', `invalid filter '${f}'`, { hint: 'berth images supports dangling=true|false, reference=PATTERN and label=KEY[=VALUE]' });
    }
  }
  return out;
}

export async function listImages(root: string, filter?: string, filters: readonly string[] = []): Promise<ImageSummary[]> {
  const f = parseFilters(filters);
  const store = await openStore(root);
  const want = filter === undefined ? undefined : filter.includes(':') ? normalizeName(filter) : normalizeName(filter).replace(/:latest$/, '');
  const out: ImageSummary[] = [];
  for (const img of await store.images()) {
    let tags = want === undefined ? img.tags : img.tags.filter((t) => t === want || t.startsWith(want + ':'));
    if (want !== undefined && tags.length === 0) continue;
    if (f.dangling !== undefined && f.dangling !== (img.tags.length === 0)) continue;
    if (f.references.length) {
      // docker matches the familiar name, with and without the tag.
      tags = tags.filter((t) => { const fam = familiar(t); const name = fam.slice(0, fam.lastIndexOf(':')); return f.references.some((r) => r.test(fam) || r.test(name)); });
      if (tags.length === 0) continue;
    }
    const cfg = await readConfig(store, img);
    const labels = cfg.config?.Labels ?? {};
    if (!f.labels.every(([k, v]) => k in labels && (v === undefined || labels[k] === v))) continue;
    out.push({ id: img.config, manifest: img.manifest, repoTags: tags.map(familiar), created: cfg.created, size: (img.diffSizes ?? []).reduce((a, b) => a + b, 0) });
  }
  return out.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
}

export async function tagImage(root: string, source: string, target: string): Promise<void> {
  const ref = normalizeName(target);
  const store = await openStore(root);
  const img = await resolveImage(store, source);
  await store.tag(ref, img.manifest);
}

export type RemoveResult = { untagged: string } | { deleted: string };

export async function removeImages(root: string, names: readonly string[], opts: { force?: boolean } = {}): Promise<{ results: RemoveResult[]; errors: BerthError[] }> {
  const store = await openStore(root);
  const results: RemoveResult[] = [];
  const errors: BerthError[] = [];
  for (const name of names) {
    try {
      const img = await resolveImage(store, name);
      const byName = (() => { try { return normalizeName(name); } catch { return undefined; } })();
      if (byName !== undefined && img.tags.includes(byName) && img.tags.length > 1) {
        await store.untag(byName);
        results.push({ untagged: familiar(byName) });
        continue;
      }
      if (img.tags.length > 1 && !opts.force && (byName === undefined || !img.tags.includes(byName))) {
        throw new BerthError('INVALID_ARGUMENT', `conflict: unable to delete ${img.config.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`, { hint: 'remove the tags one by one, or use -f' });
      }
      // A container's image stays while the container exists; with -f a stopped one's image loses its tags only.
      const users = await imageUsers(store, img.manifest);
      if (users.length > 0) {
        const named = byName !== undefined && img.tags.includes(byName);
        const running = users.find((u) => u.running);
        const shortImage = img.config.slice(7, 19);
        if (running && opts.force) throw new BerthError('INVALID_ARGUMENT', `conflict: unable to delete ${shortImage} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`, { hint: `stop and remove the container first (berth rm -f ${running.id.slice(0, 12)})` });
        if (!opts.force) {
          const user = users[0]!;
          const hint = `remove the container first (berth rm ${user.id.slice(0, 12)})`;
          if (named) throw new BerthError('INVALID_ARGUMENT', `conflict: unable to remove repository reference "${name}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${shortImage}`, { hint });
          throw new BerthError('INVALID_ARGUMENT', `conflict: unable to delete ${shortImage} (must be forced) - image is being used by ${user.running ? 'running' : 'stopped'} container ${user.id.slice(0, 12)}`, { hint });
        }
        for (const t of img.tags) {
          await store.untag(t);
          results.push({ untagged: familiar(t) });
        }
        continue;
      }
      const tags = await store.removeImage(img.manifest);
      for (const t of tags) results.push({ untagged: familiar(t) });
      results.push({ deleted: img.config });
    } catch (e) {
      if (e instanceof BerthError) errors.push(e); else throw e;
    }
  }
  if (results.some((r) => 'deleted' in r)) await store.collectGarbage(() => buildCacheRoots(store.layout.root, store.layout.tmpDir));
  return { results, errors };
}

export interface HistoryRow {
  id: string;
  created: string | undefined;
  createdBy: string;
  size: number;
  comment: string;
  emptyLayer: boolean;
}

export async function imageHistory(root: string, name: string): Promise<HistoryRow[]> {
  const store = await openStore(root);
  const img = await resolveImage(store, name);
  const cfg = await readConfig(store, img);
  const history: HistoryEntry[] = cfg.history ?? [];
  let layer = 0;
  const rows = history.map((h) => {
    const empty = h.empty_layer === true;
    const size = empty ? 0 : img.diffSizes?.[layer] ?? 0;
    if (!empty) layer++;
    return { id: '<missing>', created: h.created, createdBy: h.created_by ?? '', size, comment: h.comment ?? '', emptyLayer: empty };
  }).reverse();
  if (rows[0]) rows[0].id = img.config;
  return rows;
}

/** docker image inspect's JSON shape. */
export async function inspectImages(root: string, names: readonly string[]): Promise<{ objects: unknown[]; errors: BerthError[] }> {
  const store = await openStore(root);
  const objects: unknown[] = [];
  const errors: BerthError[] = [];
  for (const name of names) {
    try {
      const img = await resolveImage(store, name);
      const cfg = await readConfig(store, img);
      objects.push({
        Id: img.config,
        RepoTags: img.tags.map(familiar),
        RepoDigests: [],
        Parent: '',
        Comment: cfg.history?.[cfg.history.length - 1]?.comment ?? '',
        Created: cfg.created ?? '',
        DockerVersion: '',
        Author: cfg.author ?? '',
        Config: cfg.config ?? null,
        Architecture: cfg.architecture,
        ...(cfg.variant ? { Variant: cfg.variant } : {}),
        Os: cfg.os,
        Size: (img.diffSizes ?? []).reduce((a, b) => a + b, 0),
        RootFS: { Type: 'layers', Layers: cfg.rootfs.diff_ids },
        Metadata: { LastTagTime: img.added },
        Descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifest, size: await store.blobs.size(img.manifest) },
      });
    } catch (e) {
      if (e instanceof BerthError) errors.push(e); else throw e;
    }
  }
  return { objects, errors };
}
