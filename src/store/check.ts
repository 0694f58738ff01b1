// `berth system check`: every blob hashes to its name, every image record's blobs exist, no leftovers
// of interrupted operations; with repair, what can be fixed is fixed (corrupt blobs and broken
// records removed, leftovers deleted).
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { processAlive, tempOwner } from '../util/atomic-file.ts';
import { manifestLinks } from './manifest-refs.ts';
import type { Store } from './store.ts';

export interface CheckProblem {
  kind: 'corrupt-blob' | 'missing-blob' | 'broken-image' | 'leftover';
  subject: string;
  detail: string;
  repaired: boolean;
}

export async function checkStore(store: Store, opts: { repair?: boolean } = {}): Promise<CheckProblem[]> {
  const repair = opts.repair === true;
  return store.locks.with('gc', 'exclusive', async () => {
    const problems: CheckProblem[] = [];
    const corrupt = new Set<string>();
    for (const d of await store.blobs.list()) {
      if (await store.blobs.verify(d)) continue;
      corrupt.add(d);
      if (repair) await store.blobs.delete(d);
      problems.push({ kind: 'corrupt-blob', subject: d, detail: 'its content does not hash to its name', repaired: repair });
    }
    const broken: string[] = [];
    for (const img of await store.images()) {
      const missing: string[] = [];
      const present = async (d: string): Promise<boolean> => !corrupt.has(d) && (await store.blobs.has(d));
      if (!(await present(img.manifest))) missing.push(img.manifest);
      else {
        const links = manifestLinks(await store.blobs.read(img.manifest), img.manifest);
        for (const d of [links.config, ...links.layers]) if (!(await present(d))) missing.push(d);
      }
      if (missing.length) {
        broken.push(img.manifest);
        problems.push({ kind: 'broken-image', subject: img.config, detail: `missing or corrupt blobs: ${missing.join(', ')}`, repaired: repair });
      }
    }
    if (repair && broken.length) {
      await store.refs.update((doc) => {
        for (const m of broken) {
          delete doc.images[m];
          for (const t of Object.keys(doc.tags)) if (doc.tags[t] === m) delete doc.tags[t];
        }
      });
    }
    // A temp file is a leftover when its writer is gone (tag/untag writers may be running now).
    for (const name of await readdir(store.layout.tmpDir).catch(() => [] as string[])) {
      const owner = tempOwner(name);
      if (owner !== undefined && processAlive(owner)) continue;
      if (repair) await rm(path.join(store.layout.tmpDir, name), { recursive: true, force: true });
      problems.push({ kind: 'leftover', subject: name, detail: 'temp file of an interrupted operation', repaired: repair });
    }
    return problems;
  });
}
