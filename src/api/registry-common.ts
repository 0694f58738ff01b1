// What pulls and pushes share in the api: registry settings and credentials from the caller's
// options, and the record of where stored blobs came from (`<root>/registry/sources.json`), which
// lets a push mount a blob from the repository it was pulled from instead of uploading it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadRegistrySettings, type CredentialLookup, type RegistryEvent, type RegistrySettings } from '../registry/index.ts';
import type { Store } from '../store/index.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { makeDirs } from '../util/make-dirs.ts';

export interface RegistryCallOptions {
  /** Extra settings on top of the config file and environment (e.g. `--insecure-registry`). */
  settings?: Partial<RegistrySettings>;
  /** Credentials by registry host; default: docker's config.json and credential helpers. */
  credentials?: CredentialLookup;
  signal?: AbortSignal;
  onEvent?: (e: RegistryEvent) => void;
  /** A response silent this long fails (default 60 s). */
  idleTimeoutMs?: number;
}

export function settingsFrom(opts: RegistryCallOptions): RegistrySettings {
  return loadRegistrySettings(opts.settings ?? {});
}

/** Blob digest → "registry/repository" names it is known to be in. */
type Sources = Record<string, string[]>;

const sourcesFile = (store: Store): string => path.join(store.layout.root, 'registry', 'sources.json');

export async function readSources(store: Store): Promise<Sources> {
  try {
    return JSON.parse(await readFile(sourcesFile(store), 'utf8')) as Sources;
  } catch {
    return {}; // a lost or torn hint file only costs a mount
  }
}

/** Adds `name` as a source of `digests`; under the store's hints lock, so concurrent pulls and pushes lose nothing. */
export async function recordSources(store: Store, name: string, digests: readonly string[]): Promise<void> {
  const live = new Set(await store.blobs.list());
  await store.locks.with('hints', 'exclusive', async () => {
    const doc = await readSources(store);
    for (const d of Object.keys(doc)) if (!live.has(d) && !digests.includes(d)) delete doc[d];
    for (const d of digests) {
      const list = (doc[d] ??= []);
      if (!list.includes(name)) list.unshift(name);
      list.splice(8);
    }
    await makeDirs(path.dirname(sourcesFile(store)));
    await writeFileAtomic(sourcesFile(store), JSON.stringify(doc), store.layout.tmpDir);
  });
}
