// Unpacked layers: each layer extracted once into snapshots/<diff_id hex>/diff in overlayfs's own
// whiteout form, ready to stack as a lower dir. Made in a temp dir and renamed into place, so a
// snapshot either exists whole or not at all; a dead unpacker's temp dir goes at the next open.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import type { BlobStore } from './blob-store.ts';
import type { StoreLayout } from './layout.ts';
import { makeDirs } from '../util/make-dirs.ts';

export class Snapshots {
  constructor(private readonly layout: StoreLayout, private readonly blobs: BlobStore) {}

  /** The directory of a layer's unpacked snapshot (it may not exist yet). */
  dir(diffId: string): string {
    if (!/^sha256:[0-9a-f]{64}$/.test(diffId)) throw new BerthError('INVALID_ARGUMENT', `invalid diff_id "${diffId}"`);
    return path.join(this.layout.snapshotsDir, diffId.slice(7), 'diff');
  }

  async has(diffId: string): Promise<boolean> {
    return stat(this.dir(diffId)).then((s) => s.isDirectory(), () => false);
  }

  /** Unpacks the layer blob (verifying it yields `diffId`) unless its snapshot already exists. */
  async ensure(diffId: string, blobDigest: string): Promise<string> {
    const dest = this.dir(diffId);
    if (await this.has(diffId)) return dest;
    const work = tempName(this.layout.tmpDir, 'snapshot');
    const diff = path.join(work, 'diff');
    try {
      await makeDirs(diff, 0o755);
      // The tar code loads when a layer is unpacked: commands that only read the store never need it.
      const { decompressLayer, extractLayer } = await import('../layer/index.ts');
      const unpacked = await decompressLayer(this.blobs.openRead(blobDigest));
      await extractLayer(unpacked.stream, diff, { mode: 'layer-dir', compression: 'none' });
      const digests = await unpacked.digests;
      if (digests.diffId !== diffId) {
        throw new BerthError('INVALID_IMAGE', `layer blob ${blobDigest} unpacks to ${digests.diffId}, not ${diffId}`, { hint: 'run `berth system check`' });
      }
      await makeDirs(path.dirname(dest));
      await rename(diff, dest).catch(async (e: NodeJS.ErrnoException) => {
        // Another process made the same snapshot meanwhile: theirs is as good as ours.
        if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      });
      return dest;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Snapshots are derived data: removes those whose layer no live image has. Returns how many. */
  async prune(liveDiffIds: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const hex of await readdir(this.layout.snapshotsDir).catch(() => [] as string[])) {
      if (liveDiffIds.has(`sha256:${hex}`)) continue;
      await rm(path.join(this.layout.snapshotsDir, hex), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Takes a directory that already holds a layer in overlay form (a step's upper dir) as the
   * snapshot of `diffId`, by rename: no second extraction.
   */
  async adopt(diffId: string, dir: string): Promise<string> {
    const dest = this.dir(diffId);
    if (await this.has(diffId)) return dest;
    await makeDirs(path.dirname(dest));
    await rename(dir, dest).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    });
    return dest;
  }
}
