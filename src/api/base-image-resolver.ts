// The build's BaseImageResolver filled from store + registry (build itself never imports registry):
// a FROM image missing from the store is pulled, as docker does; with `build --pull` every named
// base image is pulled first, so a newer one in the registry is used. One pull per name per build.
import type { ResolvedImage } from '../build/index.ts';
import { parseReference } from '../oci/index.ts';
import type { Store } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import type { RegistryCallOptions } from './registry-common.ts';

export interface BaseImageResolverOptions extends RegistryCallOptions {
  /** `build --pull`: pull every base image, even one the store has. */
  pull?: boolean;
  platform?: string | undefined;
}

export function baseImageResolver(store: Store, lookup: (ref: string) => Promise<ResolvedImage>, opts: BaseImageResolverOptions): (ref: string) => Promise<ResolvedImage> {
  const pulls = new Map<string, Promise<unknown>>();
  const pull = (ref: string): Promise<unknown> => {
    let p = pulls.get(ref);
    if (!p) {
      // The registry client loads only when a base image has to be pulled.
      p = import('./registry-pull.ts').then(({ pullIntoStore }) => pullIntoStore(store, parseReference(ref), opts));
      pulls.set(ref, p);
    }
    return p;
  };
  return async (ref) => {
    if (opts.pull && isName(ref)) {
      await pull(ref).catch((pe: unknown) => { throw pullFailed(`pulling base image ${ref} failed`, pe); });
      return lookup(ref);
    }
    try {
      return await lookup(ref);
    } catch (e) {
      if (!(e instanceof BerthError && e.code === 'NOT_FOUND') || !isName(ref)) throw e;
      await pull(ref).catch((pe: unknown) => { throw pullFailed(`base image ${ref} is not in the store, and pulling it failed`, pe); });
      return lookup(ref);
    }
  };
}

/** A failed pull named by the image it was for (the registry's own message names only the host). */
function pullFailed(what: string, pe: unknown): unknown {
  if (!(pe instanceof BerthError) || pe.code === 'INTERRUPTED') return pe;
  const hint = pe.hint ?? (pe.code === 'REGISTRY'
    ? 'check the name and the registry; images can also come from `berth load`, `berth import` or an earlier build'
    : 'check the name, or log in with `berth login` if the repository is private');
  return new BerthError(pe.code, `${what}: ${pe.message}`, { cause: pe, hint });
}

/** A name a registry could serve (not an image ID). */
function isName(ref: string): boolean {
  if (/^(sha256:)?[0-9a-f]{64}$/.test(ref)) return false;
  try { parseReference(ref); return true; } catch { return false; }
}
