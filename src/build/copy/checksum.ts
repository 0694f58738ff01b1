// Content checksum of what a COPY/ADD reads (paths, types, modes, owners, contents, link targets; never mtimes), for cache keys.

import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { breather } from './breather.ts';
import { excludedTopLevel, selectSources } from './select.ts';
import { joinRel, openSourceTree, type SourceNode, type SourceTree } from './source-tree.ts';
import type { SelectOptions } from './types.ts';
import { walkItem } from './walk.ts';

/** File-content digests by (dev, ino, size, mtime); a Map works. The caller may persist it between runs. */
export interface ChecksumMemo {
  get(key: string): string | undefined;
  set(key: string, digest: string): void;
}

export interface ChecksumOptions extends SelectOptions {
  memo?: ChecksumMemo | undefined;
}

export interface ChecksumResult {
  /** `sha256:<hex>` over every selected entry, in copy order. */
  digest: string;
  /** Regular files whose content the digest covers. */
  files: number;
  /** Of those, files actually read (the rest came from the memo). */
  filesRead: number;
  bytesRead: number;
}

type Fields = string[];
interface PendingFile {
  fields: Fields;
  /** Relative to the tree: made absolute only when the file must be read (not in the memo). */
  rel: string;
  node: SourceNode;
  digest?: string;
}

const S_IFMT = 0o170000;

/** The memo key of a file: changes whenever its content may have (as long as mtimes are honest). */
export function memoKey(node: SourceNode): string {
  return `${node.dev}:${node.ino}:${node.size}:${node.mtimeNs}`;
}

/**
 * A stable digest over exactly what a COPY/ADD with these options would read: for each selected
 * entry in order its path, type, permission bits, owner (for `dir` sources; the context is always
 * 0:0), content digest, symlink target and hardlink grouping. Mtimes are left out, so touching a
 * file does not invalidate the cache. Throws the same errors as the copy for missing sources.
 */
export async function contentChecksum(opts: ChecksumOptions): Promise<ChecksumResult> {
  const tree = await openSourceTree(opts.source);
  const selection = await selectSources(tree, opts);
  const records: (Fields | PendingFile)[] = [];
  const links = new Map<string, string>();
  const owner = (n: SourceNode): string => (tree.kind === 'dir' ? `${n.uid}:${n.gid}` : '');
  const entry = (rel: string, sourceRel: string, node: SourceNode): Fields | PendingFile => {
    const base = [node.type, rel, (node.mode & 0o7777).toString(8), owner(node)];
    if (node.type === 'symlink') return [...base, node.linkTarget ?? ''];
    if (node.type === 'other') return [...base, (node.mode & S_IFMT).toString(8)];
    if (node.nlink > 1) {
      const key = `${node.dev}:${node.ino}`;
      const first = links.get(key);
      if (first !== undefined) return ['hardlink', rel, first];
      links.set(key, `${records.length}:${rel}`);
    }
    return { fields: base, rel: sourceRel, node };
  };

  for (const item of selection.items) {
    if (excludedTopLevel(selection, item)) continue;
    records.push(['item', String(item.source), item.matchPath, item.node.type]);
    if (item.node.type !== 'dir') {
      records.push(entry('', item.path, item.node));
      continue;
    }
    for (const ev of await walkItem(tree, item, selection.exclude)) {
      if (ev.kind === 'enter') records.push(['dir', ev.rel, (ev.node.mode & 0o7777).toString(8), owner(ev.node), ev.explicit ? '1' : '0']);
      else if (ev.kind === 'leaf') records.push(entry(ev.rel, joinRel(item.path, ev.rel), ev.node));
    }
  }

  const pending = records.filter((r): r is PendingFile => !Array.isArray(r));
  const stats = { filesRead: 0, bytesRead: 0 };
  await hashAll(tree, pending, opts.memo, stats);
  // One string hashed at once: an update per field was thousands of calls into the hash for a
  // large directory. The bytes are the same: each field as `<byte length>:<field>`, a line per record.
  const text: string[] = [];
  const add = (f: string): void => void text.push(`${Buffer.byteLength(f)}:${f}`);
  for (const r of records) {
    if (Array.isArray(r)) r.forEach(add);
    else {
      r.fields.forEach(add);
      add(r.digest as string);
    }
    text.push('\n');
  }
  return { digest: `sha256:${createHash('sha256').update(text.join('')).digest('hex')}`, files: pending.length, ...stats };
}

async function hashAll(tree: SourceTree, files: PendingFile[], memo: ChecksumMemo | undefined, stats: { filesRead: number; bytesRead: number }): Promise<void> {
  let buf: Buffer | undefined;
  const breathe = breather();
  for (const file of files) {
    const key = memoKey(file.node);
    const known = memo?.get(key);
    if (known !== undefined) {
      file.digest = known;
      continue;
    }
    buf ??= Buffer.allocUnsafe(READ_SIZE);
    file.digest = await hashFile(tree.abs(file.rel), file.node.size, buf, stats, breathe);
    memo?.set(key, file.digest);
  }
}

/** Bytes read at once while hashing. */
const READ_SIZE = 1 << 20;

/**
 * sha256 of a regular file's bytes; never follows a symlink put in its place. The reads are
 * synchronous into one reused buffer: a context is mostly small files already in the page cache,
 * where an awaited open/read/close per file costs several times the hashing. The event loop still
 * gets a turn every few milliseconds (progress output, Ctrl-C).
 */
async function hashFile(abs: string, size: number, buf: Buffer, stats: { filesRead: number; bytesRead: number }, breathe: () => Promise<void>): Promise<string> {
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const h = createHash('sha256');
    // Read to the end; a short read once the size the walk saw is reached is the end (no extra
    // read to find it), one before that (a FUSE file system may give those) is not.
    for (let n = -1, total = 0; n !== 0 && !(n >= 0 && n < buf.length && total >= size);) {
      n = readSync(fd, buf, 0, buf.length, null);
      total += n;
      h.update(buf.subarray(0, n));
      stats.bytesRead += n;
      await breathe();
    }
    stats.filesRead++;
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}
