// Cache keys: a step's key is the hash of its parent's key, the normalized instruction and every
// value it depends on (ARG/ENV values, file checksums, source stage keys). Never mtimes.
import { createHash } from 'node:crypto';

export function stepKey(parent: string, ...parts: unknown[]): string {
  const h = createHash('sha256');
  h.update(parent);
  for (const p of parts) h.update('\0' + JSON.stringify(p));
  return `sha256:${h.digest('hex')}`;
}
