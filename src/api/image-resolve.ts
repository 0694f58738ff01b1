// Finding a stored image by what a user types: a name[:tag], a full or short image ID, or a digest.
import { parseAnyReference, parseReference } from '../oci/index.ts';
import { Store, type StoredImage } from '../store/store.ts';
import { BerthError } from '../util/errors.ts';

export async function openStore(root: string): Promise<Store> {
  return Store.open(root);
}

/** docker's normalized form of a user's name, e.g. `busybox` → `docker.io/library/busybox:latest`. */
export function normalizeName(text: string): string {
  return parseReference(text).toString();
}

export async function resolveImage(store: Store, text: string): Promise<StoredImage> {
  const images = await store.images();
  const any = (() => { try { return parseAnyReference(text); } catch { return undefined; } })();
  if (any?.kind === 'id') {
    const hit = images.find((i) => i.config === any.id || i.manifest === any.id);
    if (hit) return hit;
  } else if (any?.kind === 'named') {
    const ref = any.reference.toString();
    const hit = images.find((i) => i.tags.includes(ref)) ?? (any.reference.digest ? images.find((i) => i.manifest === any.reference.digest) : undefined);
    if (hit) return hit;
  }
  // A short ID prefix (docker accepts any unambiguous prefix of the hex).
  const prefix = text.replace(/^sha256:/, '');
  if (/^[0-9a-f]{1,64}$/.test(prefix)) {
    const hits = images.filter((i) => i.config.slice(7).startsWith(prefix));
    const ids = new Set(hits.map((h) => h.config));
    if (ids.size === 1) return hits[0]!;
    if (ids.size > 1) throw new BerthError('INVALID_ARGUMENT', `the image ID prefix ${text} is ambiguous: it matches ${ids.size} images`, { hint: 'give more characters of the ID' });
  }
  throw new BerthError('NOT_FOUND', `No such image: ${text}`, { hint: 'list the images with `berth images`' });
}

/** Docker's short form of a stored normalized tag (`docker.io/library/busybox:latest` → `busybox:latest`). */
export function familiar(tag: string): string {
  return parseReference(tag).familiar();
}
