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
      await pull(ref);
      return lookup(ref);
    }
    try {
      return await lookup(ref);
    } catch (e) {
      if (!(e instanceof BerthError && e.code === 'NOT_FOUND') || !isName(ref)) throw e;
      try {
        await pull(ref);
      } catch (pe) {
        if (pe instanceof BerthError && (pe.code === 'NOT_FOUND' || pe.code === 'REGISTRY_AUTH')) {
          throw new BerthError(pe.code, `base image ${ref} is not in the store, and pulling it failed: ${pe.message}`, {
            cause: pe, hint: pe.hint ?? 'check the name, or log in with `berth login` if the repository is private',
          });
        }
        throw pe;
      }
      return lookup(ref);
    }
  };
}

/** A name a registry could serve (not an image ID). */
function isName(ref: string): boolean {
  if (/^(sha256:)?[0-9a-f]{64}$/.test(ref)) return false;
  try { parseReference(ref); return true; } catch { return false; }
}
