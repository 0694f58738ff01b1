// Re-encoding a layer tar with its times clamped (BuildKit's rewrite-timestamp): every mtime, atime
// and ctime later than the epoch becomes the epoch; everything else passes through as berth encodes it.
import type { Readable } from 'node:stream';
import { readTar } from './tar-reader.ts';
import type { TarTime } from './tar-header.ts';
import { packTar, type TarSourceEntry } from './tar-writer.ts';

function clamp(t: TarTime | undefined, epoch: number): TarTime | undefined {
  if (t === undefined) return undefined;
  return t.sec > epoch || (t.sec === epoch && t.nsec > 0) ? { sec: epoch, nsec: 0 } : t;
}

/** The entries of `tar` again, as a deterministic tar stream whose times are at most `epoch` seconds. */
export function clampTarTimes(tar: AsyncIterable<unknown> | Iterable<unknown>, epoch: number): Readable {
  async function* entries(): AsyncGenerator<TarSourceEntry> {
    for await (const { header, body } of readTar(tar)) {
      yield {
        header: { ...header, mtime: clamp(header.mtime, epoch)!, atime: clamp(header.atime, epoch), ctime: clamp(header.ctime, epoch) },
        body: header.type === 'file' ? body : undefined,
      };
    }
  }
  return packTar(entries(), { clampMtime: epoch });
}
