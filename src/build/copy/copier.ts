// Copies source entries into the destination with docker's metadata rules: owner, mode, mtime, hardlinks, xattrs.

import { lstatSync } from 'node:fs';
import type { PatternMatcher } from '../../context/index.ts';
import { isXattrUnsupported, makeNode, readXattrsSync, setXattr } from '../../layer/fs-ops.ts';
import { BerthError } from '../../util/errors.ts';
import { breather } from './breather.ts';
import type { ChmodSpec } from './chmod.ts';
import type { DestFs, Meta, Owner } from './dest.ts';
import type { CopyItem } from './select.ts';
import { joinRel, type SourceNode, type SourceTree } from './source-tree.ts';
import { walkItem } from './walk.ts';

const S_IFMT = 0o170000;
const NODE_KINDS: Record<number, 'fifo' | 'char' | 'block' | undefined> = { 0o010000: 'fifo', 0o020000: 'char', 0o060000: 'block' };
const OVERLAY_XATTR = /^(trusted|user)\.overlay\./;

export class Copier {
  /** (dev, ino) of a copied multiply-linked file → where it was written: later links become hardlinks. */
  private readonly links = new Map<string, string[]>();

  constructor(
    private readonly tree: SourceTree,
    private readonly dest: DestFs,
    private readonly chown: Owner | undefined,
    private readonly chmod: ChmodSpec | undefined,
    private readonly warnings: string[],
  ) {}

  /** The metadata a copied entry gets: --chown or the source's ids (0:0 for the context), --chmod or its mode. */
  meta(node: SourceNode): Meta {
    return {
      owner: this.chown ?? { uid: node.uid, gid: node.gid },
      mode: this.chmod ? this.chmod.apply(node.mode) : node.mode & 0o7777,
      mtimeNs: node.mtimeNs,
    };
  }

  /**
   * Copies a directory item's contents into the (existing, resolved) directory `target`; `fresh`
   * when the copy has just created `target` (so nothing is in it yet).
   */
  async copyDir(item: CopyItem, target: readonly string[], exclude: PatternMatcher | undefined, fresh = false): Promise<void> {
    const created = new Map<string, boolean>([['', fresh]]);
    const breathe = breather();
    for (const ev of await walkItem(this.tree, item, exclude)) {
      await breathe();
      const parts = [...target, ...ev.rel.split('/')];
      if (ev.kind === 'enter') {
        created.set(ev.rel, await this.dest.ensureDir(parts));
      } else if (ev.kind === 'leave') {
        // fsutil: a selected directory gets the source's metadata; an existing parent created only
        // for what is inside it is left as it was.
        if (ev.explicit || created.get(ev.rel)) {
          await this.dest.setDirMeta(parts, this.meta(ev.node));
          await this.xattrs(joinRel(item.path, ev.rel), parts, ev.node);
        }
        created.delete(ev.rel);
      } else {
        // A directory this walk created holds only what the walk wrote: no need to look first.
        const slash = ev.rel.lastIndexOf('/');
        const emptyParent = created.get(slash < 0 ? '' : ev.rel.slice(0, slash)) === true;
        await this.leaf(joinRel(item.path, ev.rel), ev.node, parts, emptyParent);
      }
    }
  }

  /**
   * Writes one non-directory entry at `target` (replacing a non-directory there, unless the caller
   * knows the parent directory was created empty by this copy).
   */
  async leaf(sourceRel: string, node: SourceNode, target: readonly string[], emptyParent = false): Promise<void> {
    if (!emptyParent) await this.dest.clearForFile(target);
    const meta = this.meta(node);
    switch (node.type) {
      case 'file': {
        const key = `${node.dev}:${node.ino}`;
        const first = node.nlink > 1 ? this.links.get(key) : undefined;
        if (first) {
          await this.dest.hardlink(first, target);
          await this.dest.setFileMeta(target, meta);
        } else {
          // The copy never follows a symlink put in the source's place: it fails as changed instead.
          if (!(await this.dest.copyFileWithMeta(this.tree.abs(sourceRel), target, node.size, meta))) throw changed(sourceRel);
          if (node.nlink > 1) this.links.set(key, [...target]);
        }
        await this.xattrs(sourceRel, target, node);
        break;
      }
      case 'symlink':
        await this.dest.symlink(node.linkTarget ?? '', target);
        await this.dest.setNodeMeta(target, meta, true);
        break;
      case 'other': {
        const kind = NODE_KINDS[node.mode & S_IFMT];
        if (kind === undefined) {
          this.warnings.push(`${this.dest.image(target)}: socket not copied`);
          return;
        }
        const st = lstatSync(this.tree.abs(sourceRel), { bigint: true });
        const rdev = Number(st.rdev);
        await makeNode(this.dest.abs(target), kind, Math.floor(rdev / 256) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00));
        await this.dest.setNodeMeta(target, meta, false);
        break;
      }
      case 'dir':
        throw new BerthError('INTERNAL', `directory ${sourceRel} copied as a leaf`);
    }
    this.dest.record(target);
  }

  /** Extended attributes (file capabilities, ...) from a stage or image; the context has none to give. */
  private async xattrs(sourceRel: string, target: readonly string[], node: SourceNode): Promise<void> {
    if (this.tree.kind !== 'dir' || node.type === 'symlink') return;
    const attrs = readXattrsSync(this.tree.abs(sourceRel));
    for (const [name, value] of attrs) {
      if (OVERLAY_XATTR.test(name)) continue;
      try {
        await setXattr(this.dest.abs(target), name, value);
      } catch (e) {
        if (!isXattrUnsupported(e)) throw e;
        this.warnings.push(`${this.dest.image(target)}: xattr ${name} not set: ${(e as Error).message}`);
      }
    }
  }
}

function changed(rel: string): BerthError {
  return new BerthError('COPY_FAILED', `source file /${rel} changed while it was being copied`);
}
