// An image's root filesystem as berth sees it (its layers from the store, applied in order into one
// directory), and a comparable description of a directory tree: for checking berth against other tools.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { getAttributeSync, listAttributesSync } from '@napi-rs/xattr';
import { inspectImages } from '../../src/api/index.ts';
import { extractLayer } from '../../src/layer/index.ts';
import { Store } from '../../src/store/index.ts';

/** Applies `name`'s layers from the store at `root` into the existing directory `dest`; returns extraction warnings. */
export async function flattenImage(root: string, name: string, dest: string): Promise<string[]> {
  const { objects, errors } = await inspectImages(root, [name]);
  if (errors[0]) throw errors[0];
  const manifestDigest = (objects[0] as { Descriptor: { digest: string } }).Descriptor.digest;
  const store = await Store.open(root);
  const manifest = JSON.parse((await store.blobs.read(manifestDigest)).toString('utf8')) as { layers: Array<{ digest: string }> };
  const warnings: string[] = [];
  for (const layer of manifest.layers) {
    const r = await extractLayer(store.blobs.openRead(layer.digest), dest, { mode: 'apply' });
    warnings.push(...r.warnings);
  }
  return warnings;
}

export type NodeType = 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface TreeNode {
  type: NodeType;
  /** Permission bits with setuid/setgid/sticky. */
  mode: string;
  uid: number;
  gid: number;
  /** sha256 and size of a file's contents. */
  content?: string;
  target?: string;
  rdev?: number;
  mtime?: number;
  /** name → hex value. */
  xattrs?: Record<string, string>;
}

export interface TreeSnapshot {
  nodes: Map<string, TreeNode>;
  /** Paths sharing an inode, each group sorted, groups sorted. */
  hardlinks: string[][];
}

function typeOf(st: Stats): NodeType {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

function xattrsOf(p: string): Record<string, string> | undefined {
  let names: string[];
  try {
    names = listAttributesSync(p);
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const name of names.sort()) {
    const v = getAttributeSync(p, name);
    if (v !== null) out[name] = Buffer.from(v).toString('hex');
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Describes every path under `dir` ('.' for the directory itself): type, mode, owner, contents,
 * symlink target, device number, xattrs (not of symlinks), and (unless `mtimes` is false) the mtime in whole
 * seconds of everything but directories; plus the hardlink groups.
 */
export function snapshotTree(dir: string, opts: { mtimes?: boolean } = {}): TreeSnapshot {
  const nodes = new Map<string, TreeNode>();
  const inodes = new Map<string, string[]>();
  const visit = (rel: string): void => {
    const abs = rel === '.' ? dir : path.join(dir, rel);
    const st = lstatSync(abs);
    const type = typeOf(st);
    const node: TreeNode = { type, mode: (st.mode & 0o7777).toString(8).padStart(4, '0'), uid: st.uid, gid: st.gid };
    if (type === 'file') node.content = `${st.size}:${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
    if (type === 'symlink') node.target = readlinkSync(abs);
    if (type === 'char' || type === 'block') node.rdev = st.rdev;
    if (type !== 'dir' && opts.mtimes !== false) node.mtime = Math.floor(st.mtimeMs / 1000);
    const x = type === 'symlink' ? undefined : xattrsOf(abs); // the library may follow symlinks
    if (x) node.xattrs = x;
    nodes.set(rel, node);
    if (type !== 'dir' && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      inodes.set(key, [...(inodes.get(key) ?? []), rel]);
    }
    if (type === 'dir') {
      for (const name of readdirSync(abs).sort()) visit(rel === '.' ? name : `${rel}/${name}`);
    }
  };
  visit('.');
  const hardlinks = [...inodes.values()].filter((g) => g.length > 1).map((g) => g.sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));
  return { nodes, hardlinks };
}

/** Human-readable differences between two snapshots (empty when they agree). */
export function diffTrees(a: TreeSnapshot, b: TreeSnapshot, names: [string, string] = ['a', 'b']): string[] {
  const out: string[] = [];
  const [na, nb] = names;
  for (const [p, x] of a.nodes) {
    const y = b.nodes.get(p);
    if (!y) { out.push(`${p}: only in ${na} (${x.type})`); continue; }
    const keys = new Set([...Object.keys(x), ...Object.keys(y)] as Array<keyof TreeNode>);
    for (const k of keys) {
      const vx = JSON.stringify(x[k]);
      const vy = JSON.stringify(y[k]);
      if (vx !== vy) out.push(`${p}: ${k} ${na}=${vx ?? 'none'} ${nb}=${vy ?? 'none'}`);
    }
  }
  for (const [p, y] of b.nodes) if (!a.nodes.has(p)) out.push(`${p}: only in ${nb} (${y.type})`);
  const ha = JSON.stringify(a.hardlinks);
  const hb = JSON.stringify(b.hardlinks);
  if (ha !== hb) out.push(`hardlink groups: ${na}=${ha} ${nb}=${hb}`);
  return out;
}
