// What a stored manifest points at (its config and layer blobs): the edges garbage collection and
// the checker follow.
import { BerthError } from '../util/errors.ts';

export interface ManifestLinks {
  config: string;
  layers: string[];
}

export function manifestLinks(raw: Uint8Array, digest: string): ManifestLinks {
  let m: { config?: { digest?: unknown }; layers?: Array<{ digest?: unknown }> };
  try {
    m = JSON.parse(Buffer.from(raw).toString('utf8')) as typeof m;
  } catch (e) {
    throw new BerthError('INVALID_IMAGE', `manifest ${digest} is not valid JSON`, { cause: e });
  }
  if (typeof m.config?.digest !== 'string' || !Array.isArray(m.layers)) {
    throw new BerthError('INVALID_IMAGE', `manifest ${digest} has no config or layers`);
  }
  return { config: m.config.digest, layers: m.layers.map((l) => String(l.digest)) };
}
