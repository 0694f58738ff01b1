// Applies a layer tar onto a directory (or builds an overlayfs layer dir from it), never writing outside it.

import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, realpath, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../util/errors.ts';
import { asArchiveError, openDecompressed, type Compression } from './compression.ts';
import { isXattrUnsupported, makeNode, setXattr } from './fs-ops.ts';
import { lstatOrUndefined, resolveParent, splitArchivePath, type AbsolutePathPolicy } from './safe-path.ts';
import type { TarHeader, TarTime } from './tar-header.ts';
import { readTar, type TarEntry, type TarReaderOptions } from './tar-reader.ts';
import { parseWhiteout, type Whiteout } from './whiteout.ts';

export interface ExtractOptions {
  /**
   * 'apply' (default): whiteouts delete paths from the directory, as when stacking layers into one
   * tree. 'layer-dir': whiteouts are recorded the way overlayfs reads them (a 0/0 char device for a
   * deleted path, the `<prefix>.overlay.opaque=y` xattr on an opaque directory).
   */
  mode?: 'apply' | 'layer-dir';
  /** Absolute entry paths: 'strip' (default, docker's behaviour: `/a` lands at `<target>/a`) or 'reject'. */
  absolutePaths?: AbsolutePathPolicy;
  /** Compression of the input; 'auto' (default) sniffs the magic bytes. */
  compression?: Compression | 'auto';
  /** Largest uncompressed size accepted (decompression-bomb guard). */
  maxSize?: number;
  /** Apply archive uid/gid (default: when running as root). */
  sameOwner?: boolean;
  /** Apply archive xattrs (default true). EPERM/ENOTSUP failures become warnings, as in docker. */
  xattrs?: boolean;
  /** Namespace of the overlay xattrs in 'layer-dir' mode: 'trusted' (default) or 'user' (userxattr mounts). */
  overlayXattrPrefix?: 'trusted' | 'user';
  tar?: TarReaderOptions;
}

export interface ExtractResult {
  entries: number;
  compression: Compression;
  /** Things skipped without failing (unsupported xattrs, device nodes when unprivileged, ...). */
  warnings: string[];
}

const OVERLAY_XATTR = /^(trusted|user)\.overlay\./;

function seconds(t: TarTime): number {
  return t.sec + t.nsec / 1e9;
}

class Extractor {
  entries = 0;
  readonly warnings: string[] = [];
  /** Paths this layer put in place (and their ancestors): opaque whiteouts keep these. */
  private readonly present = new Set<string>();
  /** Directories whose mode and mtime are applied last (children would change the mtime). */
  private readonly dirs = new Map<string, TarHeader>();
  private readonly policy: AbsolutePathPolicy;
  private readonly layerDir: boolean;
  private readonly sameOwner: boolean;
  private readonly xattrs: boolean;
  private readonly overlayPrefix: string;

  constructor(
    private readonly root: string,
    opts: ExtractOptions,
  ) {
    this.policy = opts.absolutePaths ?? 'strip';
    this.layerDir = opts.mode === 'layer-dir';
    this.sameOwner = opts.sameOwner ?? process.getuid?.() === 0;
    this.xattrs = opts.xattrs ?? true;
    this.overlayPrefix = opts.overlayXattrPrefix ?? 'trusted';
  }

  private markPresent(rel: string): void {
    let p = rel;
    while (p !== '' && !this.present.has(p)) {
      this.present.add(p);
      const slash = p.lastIndexOf('/');
      p = slash === -1 ? '' : p.slice(0, slash);
    }
  }

  async apply({ header: h, body }: TarEntry): Promise<void> {
    this.entries++;
    const parts = splitArchivePath(h.name, this.policy);
    const rel = parts.join('/');
    const whiteout = parts.length > 0 ? parseWhiteout(rel, h.type, h.size) : undefined;
    if (whiteout) return this.whiteout(whiteout, h);
    if (parts.length === 0) {
      if (h.type !== 'dir') {
        throw new BerthError('UNSAFE_PATH', `entry '${h.name}': a ${h.type} cannot replace the target directory`);
      }
      await this.ownerAndXattrs(this.root, h);
      this.dirs.set('', h);
      return;
    }
    const linkTarget = h.type === 'hardlink' ? await this.hardlinkTarget(h, rel) : undefined;
    const parent = (await resolveParent(this.root, parts, h.name, true))!;
    const abs = join(parent, parts.at(-1)!);
    const existing = await lstatOrUndefined(abs);
    if (existing && !(existing.isDirectory() && h.type === 'dir')) await rm(abs, { recursive: true, force: true });
    switch (h.type) {
      case 'dir':
        if (!existing?.isDirectory()) await mkdir(abs, { mode: 0o700 });
        await this.ownerAndXattrs(abs, h);
        this.dirs.set(rel, h);
        break;
      case 'file':
        await this.writeFile(abs, h, body);
        break;
      case 'symlink':
        await symlink(h.linkname, abs);
        await this.ownerAndXattrs(abs, h);
        await lutimes(abs, seconds(h.atime ?? h.mtime), seconds(h.mtime));
        break;
      case 'hardlink':
        // link(2) does not follow a symlink target; metadata belongs to the shared inode, left as is.
        await link(linkTarget!, abs);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        try {
          await makeNode(abs, h.type, h.devmajor, h.devminor);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EPERM' || process.getuid?.() === 0) throw e;
          this.warnings.push(`entry '${h.name}': ${h.type} node skipped (not permitted without root)`);
          return;
        }
        await this.ownerAndXattrs(abs, h);
        await chmod(abs, h.mode);
        await lutimes(abs, seconds(h.atime ?? h.mtime), seconds(h.mtime));
        break;
    }
    this.markPresent(rel);
  }

  private async writeFile(abs: string, h: TarHeader, body: Readable): Promise<void> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const fh = await open(abs, flags, 0o600);
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      }
      if (this.sameOwner) await fh.chown(h.uid, h.gid);
      await fh.chmod(h.mode); // after chown, which clears setuid/setgid
    } finally {
      await fh.close();
    }
    // xattrs after chown and the last write, both of which drop security.capability.
    await this.setXattrs(abs, h);
    await lutimes(abs, seconds(h.atime ?? h.mtime), seconds(h.mtime));
  }

  private async ownerAndXattrs(abs: string, h: TarHeader): Promise<void> {
    if (this.sameOwner) await lchown(abs, h.uid, h.gid);
    await this.setXattrs(abs, h);
  }

  private async setXattrs(abs: string, h: TarHeader): Promise<void> {
    if (!this.xattrs) return;
    for (const [name, value] of h.xattrs) {
      if (OVERLAY_XATTR.test(name)) {
        // Would let a layer forge overlayfs whiteouts or redirects; never taken from an archive.
        this.warnings.push(`entry '${h.name}': xattr '${name}' ignored (overlayfs-internal)`);
        continue;
      }
      try {
        await setXattr(abs, name, value);
      } catch (e) {
        if (!isXattrUnsupported(e)) throw e;
        this.warnings.push(`entry '${h.name}': xattr '${name}' not set: ${(e as Error).message}`);
      }
    }
  }

  private async hardlinkTarget(h: TarHeader, rel: string): Promise<string> {
    const parts = splitArchivePath(h.linkname, this.policy, `hardlink '${h.name}' target`);
    const targetRel = parts.join('/');
    const unsafe = (why: string): BerthError =>
      new BerthError('UNSAFE_PATH', `entry '${h.name}': hardlink target '${h.linkname}' ${why}`);
    if (parts.length === 0) throw unsafe('is the target directory itself');
    if (targetRel === rel) throw unsafe('is the link itself');
    const parent = await resolveParent(this.root, parts, h.name, false);
    const abs = parent === undefined ? undefined : join(parent, parts.at(-1)!);
    const st = abs === undefined ? undefined : await lstatOrUndefined(abs);
    if (!st) throw unsafe('does not exist (a hardlink may only point at a path extracted before it)');
    if (st.isDirectory()) throw unsafe('is a directory');
    return abs!;
  }

  private async whiteout(w: Whiteout, h: TarHeader): Promise<void> {
    const dirParts = w.dir === '' ? [] : w.dir.split('/');
    if (w.kind === 'opaque') {
      const dir = await this.directory(dirParts, h.name, this.layerDir);
      if (dir === undefined) return;
      if (this.layerDir) await setXattr(dir, `${this.overlayPrefix}.overlay.opaque`, Buffer.from('y'));
      else await this.prune(dir, w.dir);
      this.markPresent(w.dir);
      return;
    }
    if (this.present.has(w.target)) {
      // A whiteout only hides lower layers; the same layer's own entry stays.
      this.warnings.push(`entry '${h.name}': whiteout of '${w.target}', which this layer also creates, ignored`);
      return;
    }
    const parent = await resolveParent(this.root, [...dirParts, w.name], h.name, this.layerDir);
    if (parent === undefined) return;
    const abs = join(parent, w.name);
    await rm(abs, { recursive: true, force: true });
    if (this.layerDir) {
      // Keep the whiteout entry's owner and mtime so diffDirToTar gives the same layer back.
      await makeNode(abs, 'char', 0, 0);
      if (this.sameOwner) await lchown(abs, h.uid, h.gid);
      await lutimes(abs, seconds(h.atime ?? h.mtime), seconds(h.mtime));
    }
    this.markPresent(w.dir);
  }

  /** The directory at `parts` (the root for none), verified not to be or pass through a symlink. */
  private async directory(parts: string[], entry: string, create: boolean): Promise<string | undefined> {
    if (parts.length === 0) return this.root;
    const parent = await resolveParent(this.root, parts, entry, create);
    if (parent === undefined) return undefined;
    const abs = join(parent, parts.at(-1)!);
    const st = await lstatOrUndefined(abs);
    if (!st) {
      if (!create) return undefined;
      await mkdir(abs, { mode: 0o755 });
      return abs;
    }
    if (st.isSymbolicLink()) {
      throw new BerthError('UNSAFE_PATH', `entry '${entry}': '${parts.join('/')}' is a symlink; refusing to follow it`);
    }
    if (!st.isDirectory()) {
      throw new BerthError('INVALID_ARCHIVE', `entry '${entry}': '${parts.join('/')}' is not a directory`);
    }
    return abs;
  }

  /** Opaque directory, single-tree case: remove every child not put there by this layer. */
  private async prune(dirAbs: string, dirRel: string): Promise<void> {
    for (const name of await readdir(dirAbs)) {
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const abs = join(dirAbs, name);
      if (!this.present.has(rel)) {
        await rm(abs, { recursive: true, force: true });
        continue;
      }
      const st = await lstat(abs);
      if (st.isDirectory()) await this.prune(abs, rel);
    }
  }

  /** Directory modes and mtimes, deepest first; each path re-verified (a later entry may have replaced it). */
  async finishDirectories(): Promise<void> {
    const depth = (rel: string): number => (rel === '' ? 0 : rel.split('/').length);
    const rels = [...this.dirs.keys()].sort((a, b) => depth(b) - depth(a));
    for (const rel of rels) {
      const h = this.dirs.get(rel)!;
      let abs: string | undefined;
      try {
        abs = await this.directory(rel === '' ? [] : rel.split('/'), h.name, false);
      } catch {
        continue; // replaced by a symlink or a file later in the layer
      }
      if (abs === undefined) continue;
      await chmod(abs, h.mode);
      await lutimes(abs, seconds(h.atime ?? h.mtime), seconds(h.mtime));
    }
  }
}

/**
 * Extracts a (possibly compressed) layer tar into `targetDir`, which must exist.
 *
 * Confinement: `..` components are rejected, absolute paths are made relative (or rejected),
 * every parent is resolved with lstat and a symlink on the way is refused, files are created
 * with O_EXCL|O_NOFOLLOW after removing what was there, hardlinks must point at an existing
 * non-directory inside the target. Violations throw UNSAFE_PATH; malformed archives and
 * whiteouts throw INVALID_ARCHIVE. On failure the target is left partially written.
 */
export async function extractLayer(
  source: Readable | AsyncIterable<unknown>,
  targetDir: string,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  const root = await realpath(targetDir);
  if (!(await lstat(root)).isDirectory()) {
    throw new BerthError('INVALID_ARGUMENT', `extraction target '${targetDir}' is not a directory`);
  }
  const { compression, stream } = await openDecompressed(source, {
    compression: opts.compression ?? 'auto',
    ...(opts.maxSize !== undefined ? { maxSize: opts.maxSize } : {}),
  });
  const extractor = new Extractor(root, opts);
  try {
    for await (const entry of readTar(stream, opts.tar)) await extractor.apply(entry);
    await extractor.finishDirectories();
  } catch (e) {
    throw asArchiveError(e, compression);
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
  return { entries: extractor.entries, compression, warnings: extractor.warnings };
}
