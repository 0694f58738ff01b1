// Reads a layer tar to the end and rejects what no sound layer holds: `..` path components, hardlinks
// that leave the layer's tree, malformed whiteouts. Used where a layer is accepted into the store
// (import, load) so a hostile archive is refused before anything refers to it.
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import type { TarHeader } from './tar-header.ts';
import { readTar } from './tar-reader.ts';
import { parseWhiteout } from './whiteout.ts';

function escapes(p: string): boolean {
  return p.split('/').includes('..');
}

/** Throws UNSAFE_PATH or INVALID_ARCHIVE, naming the entry, for what no sound layer holds. */
export function checkEntry(header: TarHeader): void {
  if (escapes(header.name)) {
    throw new BerthError('UNSAFE_PATH', `entry '${header.name}' has a '..' component: a layer may not point outside its root`, { hint: 'the archive is malformed or hostile; it was not stored' });
  }
  if (header.type === 'hardlink' && escapes(header.linkname)) {
    throw new BerthError('UNSAFE_PATH', `hardlink '${header.name}' points outside the layer ('${header.linkname}')`, { hint: 'the archive is malformed or hostile; it was not stored' });
  }
  parseWhiteout(header.name, header.type, header.size);
}

/** Resolves with the number of entries, or rejects with INVALID_ARCHIVE/UNSAFE_PATH naming the entry. */
export async function checkLayerEntries(tar: Readable): Promise<number> {
  let count = 0;
  for await (const { header, body } of readTar(tar)) {
    count++;
    checkEntry(header);
    body.resume();
  }
  return count;
}
