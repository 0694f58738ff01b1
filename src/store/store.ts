// The local image store: blobs, image records and tags under one root, safe for several berth
// processes at once (OFD locks) and after a crash (atomic writes; dead writers' temp files removed).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { processAlive, tempOwner } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { BlobStore } from './blob-store.ts';
import { removeDeadTempDirs } from './dead-leftovers.ts';
import { StoreLayout } from './layout.ts';
import { StoreLocks } from './locks.ts';
import { manifestLinks } from './manifest-refs.ts';
import { Refs, type ImageRecord, type RefsDocument } from './refs.ts';
import { Snapshots } from './snapshots.ts';
import { makeDirs } from '../util/make-dirs.ts';

export interface StoredImage extends ImageRecord {
  /** Normalized references tagging this image, sorted. */
  tags: string[];
}

export interface AddImageInput {
  manifest: string;
  config: string;
  tags?: readonly string[];
  diffSizes?: number[];
}

export class Store {
  readonly layout: StoreLayout;
  readonly blobs: BlobStore;
  readonly locks: StoreLocks;
  readonly refs: Refs;
  readonly snapshots: Snapshots;

  private constructor(root: string) {
    this.layout = new StoreLayout(path.resolve(root));
    this.blobs = new BlobStore(this.layout);
    this.locks = StoreLocks.create(this.layout.lockFile);
    this.refs = new Refs(this.layout, this.locks);
    this.snapshots = new Snapshots(this.layout, this.blobs);
  }

  static async open(root: string): Promise<Store> {
    const store = new Store(root);
    try {
      await makeDirs(store.layout.root, 0o700);
      await store.blobs.ensureDirs();
    } catch (e) {
      throw new BerthError('INVALID_ARGUMENT', `cannot use ${store.layout.root} as berth's store: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        cause: e, hint: 'choose another directory with --root or BERTH_ROOT',
      });
    }
    await store.removeDeadLeftovers();
    return store;
  }

  /** Runs a writing operation: blobs it adds are safe from a concurrent prune until it returns. */
  async write<T>(fn: () => Promise<T>): Promise<T> {
    return this.locks.with('gc', 'shared', fn);
  }

  /**
   * Records an image whose manifest, config and layers are all stored, and tags it. The check and
   * the record happen under the shared gc lock, so a concurrent prune cannot sweep a blob between
   * them and leave a record whose blobs are gone. Callers that put the blobs first should wrap both
   * steps in write(); otherwise a prune may take the blobs before this call, which then fails.
   */
  async addImage(input: AddImageInput): Promise<StoredImage> {
    return (await this.addImages([input]))[0]!;
  }

  /** Records several images in one refs update: all of them or (on any error) none. */
  async addImages(inputs: readonly AddImageInput[]): Promise<StoredImage[]> {
    return this.write(async () => {
      for (const input of inputs) {
        const links = manifestLinks(await this.blobs.read(input.manifest), input.manifest);
        if (links.config !== input.config) throw new BerthError('INVALID_IMAGE', `manifest ${input.manifest} names config ${links.config}, not ${input.config}`);
        for (const d of [links.config, ...links.layers]) {
          if (!(await this.blobs.has(d))) throw new BerthError('INVALID_IMAGE', `image ${input.manifest} refers to blob ${d}, which is not stored`);
        }
      }
      return this.refs.update((doc) => inputs.map((input) => {
        doc.images[input.manifest] ??= {
          manifest: input.manifest, config: input.config, added: new Date().toISOString(),
          ...(input.diffSizes ? { diffSizes: input.diffSizes } : {}),
        };
        for (const t of input.tags ?? []) doc.tags[t] = input.manifest;
        return withTags(doc, doc.images[input.manifest]!);
      }));
    });
  }

  async images(): Promise<StoredImage[]> {
    const doc = await this.refs.read();
    return Object.values(doc.images).map((r) => withTags(doc, r));
  }

  async tag(ref: string, manifest: string): Promise<void> {
    await this.refs.update((doc) => {
      if (!doc.images[manifest]) throw new BerthError('NOT_FOUND', `no such image: ${manifest}`);
      doc.tags[ref] = manifest;
    });
  }

  /** Removes a tag; returns the manifest it pointed to, or undefined if there was none. */
  async untag(ref: string): Promise<string | undefined> {
    return this.refs.update((doc) => {
      const m = doc.tags[ref];
      delete doc.tags[ref];
      return m;
    });
  }

  /** Forgets an image record and every tag on it (blobs go at the next garbage collection). */
  async removeImage(manifest: string): Promise<string[]> {
    return this.refs.update((doc) => {
      const removed = Object.keys(doc.tags).filter((t) => doc.tags[t] === manifest);
      for (const t of removed) delete doc.tags[t];
      delete doc.images[manifest];
      return removed;
    });
  }

  /**
   * Mark and sweep under the exclusive gc lock: blobs reachable from an image record stay, and those
   * `roots` names (read under the lock too: the build cache's layers), the rest go. Writers hold the
   * lock shared, so a blob being added is never swept before it is recorded.
   */
  async collectGarbage(roots?: () => Promise<{ blobs: ReadonlySet<string>; diffIds: ReadonlySet<string> }>): Promise<{ removed: string[]; freed: number }> {
    return this.locks.with('gc', 'exclusive', async () => {
      const doc = await this.refs.read();
      const keep = roots ? await roots() : undefined;
      const live = new Set<string>(keep?.blobs);
      const liveDiffIds = new Set<string>(keep?.diffIds);
      for (const manifest of Object.keys(doc.images)) {
        live.add(manifest);
        live.add(doc.images[manifest]!.config);
        if (!(await this.blobs.has(manifest))) {
          // Without the manifest we cannot tell which layers are live: sweep nothing rather than guess.
          throw new BerthError('INVALID_IMAGE', `image ${doc.images[manifest]!.config} has lost its manifest ${manifest}; nothing was removed`, {
            hint: 'run `berth system check --repair` first',
          });
        }
        const links = manifestLinks(await this.blobs.read(manifest), manifest);
        live.add(links.config);
        for (const l of links.layers) live.add(l);
        const config = JSON.parse((await this.blobs.read(links.config)).toString('utf8')) as { rootfs?: { diff_ids?: string[] } };
        for (const d of config.rootfs?.diff_ids ?? []) liveDiffIds.add(d);
      }
      await this.snapshots.prune(liveDiffIds);
      const removed: string[] = [];
      let freed = 0;
      for (const d of await this.blobs.list()) {
        if (live.has(d)) continue;
        freed += await this.blobs.size(d).catch(() => 0);
        await this.blobs.delete(d);
        removed.push(d);
      }
      return { removed, freed };
    });
  }

  /**
   * Temp files whose writer died (SIGKILL, power loss) are garbage; live writers' are left alone.
   * A build step's temp dir may still hold its overlay mount and the runc container running over
   * it: those go first (see dead-leftovers.ts).
   */
  private async removeDeadLeftovers(): Promise<void> {
    const dead: string[] = [];
    for (const name of await readdir(this.layout.tmpDir).catch(() => [] as string[])) {
      const pid = tempOwner(name);
      if (pid === undefined || !processAlive(pid)) dead.push(path.join(this.layout.tmpDir, name));
    }
    await removeDeadTempDirs(this.layout.root, dead);
  }
}

function withTags(doc: RefsDocument, r: ImageRecord): StoredImage {
  const tags = Object.keys(doc.tags).filter((t) => doc.tags[t] === r.manifest).sort();
  return { ...r, tags };
}
