// Turns an overlayfs upper dir into a layer tar: 0/0 char devices → `.wh.` entries, opaque xattr → `.wh..wh..opq`.

import { createReadStream, type BigIntStats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { readXattrs } from './fs-ops.ts';
import { byteOrder } from './tar-encode.ts';
import { packTar, type TarEntryInput, type TarSourceEntry, type TarWriterOptions } from './tar-writer.ts';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from './whiteout.ts';

export interface DiffDirOptions extends TarWriterOptions {
  /** Keep an xattr in the layer? Default: everything but overlayfs's own. */
  xattrFilter?: (name: string) => boolean;
}

const OVERLAY_PREFIXES = ['trusted.overlay.', 'user.overlay.'];

function isOverlayXattr(name: string): boolean {
  return OVERLAY_PREFIXES.some((p) => name.startsWith(p));
}

function isOpaque(xattrs: Map<string, Buffer>): boolean {
  return OVERLAY_PREFIXES.some((p) => xattrs.get(`${p}opaque`)?.toString('latin1') === 'y');
}

/** Linux dev_t split (glibc's gnu_dev_major/minor). */
function devNumbers(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

function time(ns: bigint): { sec: number; nsec: number } {
  const sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  let s = sec;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    s -= 1n;
  }
  return { sec: Number(s), nsec: Number(nsec) };
}

function baseHeader(name: string, st: BigIntStats): Omit<TarEntryInput, 'type'> {
  return {
    name,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: time(st.mtimeNs),
  };
}

/**
 * Walks `upperDir` in byte order of names (directories before their contents) and yields layer
 * entries. Regular files seen again by (dev, ino) become hardlinks to the first path; sockets are
 * skipped (docker does the same); overlayfs redirect/metacopy dirs are refused since their
 * content lives in a lower layer.
 */
async function* walkUpper(root: string, opts: DiffDirOptions): AsyncGenerator<TarSourceEntry> {
  const keep = opts.xattrFilter ?? ((n: string) => !isOverlayXattr(n));
  const links = new Map<string, string>();
  const rootXattrs = await readXattrs(root);
  if (isOpaque(rootXattrs)) yield { header: { name: OPAQUE_WHITEOUT, type: 'file', mode: 0o600 } };

  async function* visit(dirAbs: string, dirRel: string): AsyncGenerator<TarSourceEntry> {
    const names = (await readdir(dirAbs)).sort(byteOrder);
    for (const name of names) {
      const abs = join(dirAbs, name);
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const st = await lstat(abs, { bigint: true });
      if (st.isCharacterDevice() && st.rdev === 0n) {
        // overlayfs whiteout → OCI whiteout: an empty regular file, owner and mtime kept (as docker does).
        const wh = dirRel === '' ? `${WHITEOUT_PREFIX}${name}` : `${dirRel}/${WHITEOUT_PREFIX}${name}`;
        yield { header: { ...baseHeader(wh, st), type: 'file', mode: 0o600 } };
        continue;
      }
      if (st.isSocket()) continue;
      const all = await readXattrs(abs);
      for (const key of ['trusted.overlay.redirect', 'trusted.overlay.metacopy', 'user.overlay.redirect', 'user.overlay.metacopy']) {
        if (all.has(key)) {
          throw new BerthError('NOT_IMPLEMENTED', `'${rel}' carries ${key}: overlay redirect_dir/metacopy upper dirs are not supported`);
        }
      }
      const xattrs = new Map([...all].filter(([k]) => keep(k)));
      const header = { ...baseHeader(rel, st), xattrs };
      if (st.isDirectory()) {
        yield { header: { ...header, type: 'dir' } };
        if (isOpaque(all)) {
          yield { header: { ...baseHeader(`${rel}/${OPAQUE_WHITEOUT}`, st), type: 'file', mode: 0o600 } };
        }
        yield* visit(abs, rel);
      } else if (st.isSymbolicLink()) {
        yield { header: { ...header, type: 'symlink', linkname: await readlink(abs) } };
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1n ? links.get(key) : undefined;
        if (first !== undefined) {
          yield { header: { ...header, type: 'hardlink', linkname: first, xattrs: new Map() } };
          continue;
        }
        if (st.nlink > 1n) links.set(key, rel);
        yield { header: { ...header, type: 'file', size: Number(st.size) }, body: createReadStream(abs) };
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const { major, minor } = devNumbers(st.rdev);
        yield { header: { ...header, type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major, devminor: minor } };
      } else if (st.isFIFO()) {
        yield { header: { ...header, type: 'fifo' } };
      }
    }
  }
  yield* visit(root, '');
}

/** An overlayfs upper (or any diff) directory as a deterministic, uncompressed layer tar stream. */
export function diffDirToTar(upperDir: string, opts: DiffDirOptions = {}): Readable {
  return packTar(walkUpper(upperDir, opts), opts);
}
