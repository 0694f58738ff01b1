// Where things live under a store root. Blobs are the truth; everything else can be rebuilt or is small.
import path from 'node:path';

export class StoreLayout {
  constructor(readonly root: string) {}
  get blobsDir(): string { return path.join(this.root, 'blobs', 'sha256'); }
  blobPath(digest: string): string { return path.join(this.blobsDir, digest.slice('sha256:'.length)); }
  /** Temp files of writes under way; a dead writer's leftovers are removed at the next open. */
  get tmpDir(): string { return path.join(this.root, 'tmp'); }
  /** Tags and the set of images, one JSON document replaced atomically. */
  get refsFile(): string { return path.join(this.root, 'refs.json'); }
  get lockFile(): string { return path.join(this.root, 'store.lock'); }
  /** Unpacked layer snapshots, by diff_id hex (used by the build engine and containers). */
  get snapshotsDir(): string { return path.join(this.root, 'snapshots'); }
}
