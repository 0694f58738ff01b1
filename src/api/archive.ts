// `berth save` and `berth load`: image archives docker and the OCI tools read and write.
import { lstat, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { saveArchive, type SaveEntry } from '../exporters/save-archive.ts';
import { parseAnyReference } from '../oci/index.ts';
import { loadArchive as loadIntoStore, type Store } from '../store/index.ts';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { familiar, openStore, resolveImage } from './image-resolve.ts';

/** docker's rules: a name with a tag saves that tag; a bare repository saves all its tags; an ID saves no tag. */
async function selectImages(store: Store, names: readonly string[]): Promise<SaveEntry[]> {
  const byManifest = new Map<string, SaveEntry & { tags: string[] }>();
  for (const name of names) {
    const image = await resolveImage(store, name);
    const entry = byManifest.get(image.manifest) ?? { image, tags: [] };
    byManifest.set(image.manifest, entry);
    const any = (() => { try { return parseAnyReference(name); } catch { return undefined; } })();
    if (any?.kind !== 'named') continue;
    const ref = any.reference;
    const wanted = ref.tagExplicit || ref.digest ? image.tags.filter((t) => t === ref.toString()) : image.tags.filter((t) => t.startsWith(ref.name + ':'));
    for (const t of wanted) if (!entry.tags.includes(t)) entry.tags.push(t);
  }
  return [...byManifest.values()];
}

export async function saveImages(root: string, names: readonly string[], out: Writable): Promise<void> {
  const store = await openStore(root);
  const entries = await selectImages(store, names);
  await store.write(() => pipeline(saveArchive(store, entries), out));
}

/**
 * Writes the archive to a temp file beside `file` and renames it: a failed save leaves no partial
 * file. The output path is checked and the temp file opened before any image is read, as docker
 * does, so a bad `-o` is a clear error rather than a failed write stream.
 */
export async function saveImagesToFile(root: string, names: readonly string[], file: string): Promise<void> {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) {
    throw new BerthError('INVALID_ARGUMENT', `invalid output path: directory "${dir}" does not exist`, { hint: 'create the directory first, or write to another path' });
  }
  if ((await lstat(target).catch(() => undefined))?.isDirectory()) {
    throw new BerthError('INVALID_ARGUMENT', `invalid output path: "${file}" is a directory`, { hint: 'name a file inside it, e.g. -o ' + path.join(file, 'images.tar') });
  }
  const tmp = tempName(dir, 'save');
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx', 0o644);
  } catch (e) {
    throw new BerthError('INVALID_ARGUMENT', `cannot write to ${dir}: ${(e as Error).message}`, { cause: e });
  }
  try {
    await saveImages(root, names, handle.createWriteStream());
    await rename(tmp, target);
  } finally {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
  }
}

export interface LoadedImage {
  id: string;
  /** docker's short forms of the tags it was loaded with. */
  tags: string[];
}

export async function loadImages(root: string, source: Readable): Promise<LoadedImage[]> {
  const store = await openStore(root);
  const images = await loadIntoStore(store, source);
  return images.map((i) => ({ id: i.config, tags: i.tags.map(familiar) }));
}
