// The tree a COPY reads: the build context (as walked, after .dockerignore) or a plain directory (a stage or image rootfs).

import { isUtf8 } from 'node:buffer';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { compareByteOrder, type ContextEntry } from '../../context/index.ts';
import { BerthError } from '../../util/errors.ts';
import { resolveInScope, type ProbeResult } from './scoped-path.ts';
import type { CopySource } from './types.ts';

export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/** One source entry's metadata (lstat, never followed). */
export interface SourceNode {
  readonly type: NodeType;
  /** Full st_mode (type and permission bits). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
  readonly nlink: number;
  readonly linkTarget?: string | undefined;
}

export interface SourceTree {
  readonly kind: 'context' | 'dir';
  /** The real directory the tree lives in. */
  readonly root: string;
  /** Metadata of a path relative to the root (`''` = the root); undefined when it does not exist (or is ignored). */
  lstat(rel: string): Promise<SourceNode | undefined>;
  /** Child names of a directory, in byte order. */
  readdir(rel: string): Promise<string[]>;
  /** Where `rel` lives on disk. */
  abs(rel: string): string;
  /** lstat and readdir without a promise, for a tree held in memory (the context). */
  lstatSync?(rel: string): SourceNode | undefined;
  readdirSync?(rel: string): string[];
}

const S_IFMT = 0o170000;
const TYPES: Record<number, NodeType> = { 0o040000: 'dir', 0o100000: 'file', 0o120000: 'symlink' };

export const joinRel = (a: string, b: string): string => (a === '' ? b : b === '' ? a : `${a}/${b}`);

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

async function lstatNode(abs: string): Promise<SourceNode | undefined> {
  let st;
  try {
    st = await lstat(abs, { bigint: true });
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return undefined;
    throw e;
  }
  const mode = Number(st.mode);
  const type = TYPES[mode & S_IFMT] ?? 'other';
  const linkTarget = type === 'symlink' ? await readlink(abs) : undefined;
  return {
    type,
    mode,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    ino: st.ino,
    dev: st.dev,
    nlink: Number(st.nlink),
    linkTarget,
  };
}

/** A plain directory: every entry as it is on disk, ownership kept. */
class DirTree implements SourceTree {
  readonly kind = 'dir';
  constructor(readonly root: string) {}

  lstat(rel: string): Promise<SourceNode | undefined> {
    return lstatNode(this.abs(rel));
  }

  async readdir(rel: string): Promise<string[]> {
    const names = await readdir(this.abs(rel), { encoding: 'buffer' });
    const bad = names.find((n) => !isUtf8(n));
    // Such a name could not be looked up again as a string: fail rather than silently skip it.
    if (bad) throw new BerthError('COPY_FAILED', `cannot copy /${joinRel(rel, bad.toString('latin1'))}: file name is not valid UTF-8`);
    return names.map((n) => n.toString('utf8')).sort(compareByteOrder);
  }

  abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }
}

/** The build context: only the walked entries exist, owned by 0:0 (docker does not keep the client's ids). */
class ContextTree implements SourceTree {
  readonly kind = 'context';
  private readonly nodes = new Map<string, SourceNode>();
  private readonly children = new Map<string, string[]>();

  constructor(
    readonly root: string,
    private readonly rootNode: SourceNode,
    entries: readonly ContextEntry[],
  ) {
    for (const e of entries) {
      this.nodes.set(e.path, {
        type: e.type,
        mode: e.mode,
        uid: 0,
        gid: 0,
        size: e.size,
        mtimeNs: e.mtimeNs,
        ino: e.ino,
        dev: e.dev,
        nlink: e.nlink,
        linkTarget: e.linkTarget,
      });
      const slash = e.path.lastIndexOf('/');
      const parent = slash < 0 ? '' : e.path.slice(0, slash);
      const list = this.children.get(parent);
      if (list) list.push(e.path.slice(slash + 1));
      else this.children.set(parent, [e.path.slice(slash + 1)]);
    }
    for (const list of this.children.values()) list.sort(compareByteOrder);
  }

  async lstat(rel: string): Promise<SourceNode | undefined> {
    return this.lstatSync(rel);
  }

  async readdir(rel: string): Promise<string[]> {
    return this.readdirSync(rel);
  }

  lstatSync(rel: string): SourceNode | undefined {
    return rel === '' ? this.rootNode : this.nodes.get(rel);
  }

  readdirSync(rel: string): string[] {
    return this.children.get(rel) ?? [];
  }

  abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }
}

/** A build's context listing and the tree made of it: every COPY of the build reads the same one. */
const contextTrees = new WeakMap<readonly ContextEntry[], ContextTree>();

export async function openSourceTree(source: CopySource): Promise<SourceTree> {
  const root = path.resolve(source.dir);
  if (source.kind === 'context') {
    const known = contextTrees.get(source.entries);
    if (known?.root === root) return known;
  }
  const rootNode = await lstatNode(root);
  if (rootNode?.type !== 'dir') {
    throw new BerthError('NOT_FOUND', `copy source ${root} is not a directory`);
  }
  if (source.kind === 'dir') return new DirTree(root);
  const tree = new ContextTree(root, { ...rootNode, uid: 0, gid: 0 }, source.entries);
  contextTrees.set(source.entries, tree);
  return tree;
}

/** Resolves `parts` inside the tree, following symlinks (the last one only when `followFinal`) scoped to its root. */
export async function resolveSource(tree: SourceTree, parts: readonly string[], followFinal: boolean): Promise<string> {
  const probe = async (p: readonly string[]): Promise<ProbeResult> => {
    const node = await tree.lstat(p.join('/'));
    if (node === undefined) return undefined;
    return node.type === 'symlink' ? { kind: 'symlink', target: node.linkTarget ?? '' } : { kind: 'other' };
  };
  return (await resolveInScope(parts, probe, followFinal)).join('/');
}
