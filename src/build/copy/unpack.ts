// ADD's local archive extraction: a file whose (decompressed) content starts with a valid tar header is unpacked like docker's Untar.

import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isXattrUnsupported, makeNode, setXattr } from '../../layer/fs-ops.ts';
import { openDecompressed, readTar, type TarEntry, type TarHeader } from '../../layer/index.ts';
import { BerthError, isBerthError } from '../../util/errors.ts';
import { lstatOrUndefined, type DestFs, type Owner } from './dest.ts';
import { cleanRooted } from './scoped-path.ts';

const OVERLAY_XATTR = /^(trusted|user)\.overlay\./;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const timeNs = (h: TarHeader): bigint => BigInt(h.mtime.sec) * 1_000_000_000n + BigInt(h.mtime.nsec);

/** Errors that mean "not an archive" (docker's isArchivePath answers false), as opposed to a missing tool. */
function notArchive(e: unknown): boolean {
  return !(isBerthError(e) && e.code === 'MISSING_DEPENDENCY');
}

/**
 * Extracts `sourceAbs` into directory `targetParts` of `dest` if it is a tar archive (plain, gzip,
 * bzip2, xz or zstd, told by content as docker does); resolves false, having written nothing, if it
 * is not. `prepare` makes the target directory and is called only for an archive.
 */
export async function unpackIfArchive(
  sourceAbs: string,
  dest: DestFs,
  prepare: () => Promise<string[]>,
  chown: Owner | undefined,
  warnings: string[],
): Promise<boolean> {
  const fh = await open(sourceAbs, constants.O_RDONLY | constants.O_NOFOLLOW);
  if (!(await fh.stat()).isFile()) {
    await fh.close();
    return false;
  }
  const raw = fh.createReadStream({ highWaterMark: 1 << 20 });
  let stream: Readable;
  try {
    ({ stream } = await openDecompressed(raw));
  } catch (e) {
    raw.destroy();
    if (notArchive(e)) return false;
    throw e;
  }
  const entries = readTar(stream, { allowMissingEnd: true })[Symbol.asyncIterator]();
  try {
    let next: IteratorResult<TarEntry>;
    try {
      next = await entries.next();
    } catch (e) {
      if (notArchive(e)) return false;
      throw e;
    }
    if (next.done) return false;
    const extractor = new Extractor(dest.sub(await prepare()), chown, warnings);
    for (; !next.done; next = await entries.next()) await extractor.apply(next.value);
    await extractor.finish();
    return true;
  } finally {
    await entries.return?.(undefined);
    stream.destroy();
    raw.destroy();
  }
}

/**
 * docker's Untar into a chroot at the target: names are cleaned as if rooted there (`..` stops at
 * it), symlinks on the way resolve inside it, whiteout names are ordinary files, what is in the way
 * is replaced unless both are directories, ownership comes from the archive unless --chown.
 */
class Extractor {
  private readonly dirs: { parts: string[]; header: TarHeader }[] = [];

  constructor(
    private readonly dest: DestFs,
    private readonly chown: Owner | undefined,
    private readonly warnings: string[],
  ) {}

  async apply({ header: h, body }: TarEntry): Promise<void> {
    const named = cleanRooted(h.name);
    if (named.length === 0) return; // the archive's own root: the target keeps its metadata
    const parent = await this.dest.mkdirAll(named.slice(0, -1), 0o755, { uid: 0, gid: 0 });
    const parts = [...parent, named.at(-1) as string];
    const abs = this.dest.abs(parts);
    const existing = await lstatOrUndefined(abs);
    if (existing && !(existing.isDirectory() && h.type === 'dir')) await this.dest.remove(parts);
    const meta = { owner: this.chown ?? { uid: h.uid, gid: h.gid }, mode: h.mode & 0o7777, mtimeNs: timeNs(h) };
    switch (h.type) {
      case 'dir':
        if (!existing?.isDirectory()) await mkdir(abs, { mode: 0o700 });
        this.dirs.push({ parts, header: h });
        break;
      case 'file': {
        const fh = await open(abs, CREATE, 0o600);
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            let off = 0;
            while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
          }
        } finally {
          await fh.close();
        }
        await this.dest.setFileMeta(parts, meta);
        break;
      }
      case 'symlink':
        await this.dest.symlink(h.linkname, parts);
        await this.dest.setNodeMeta(parts, meta, true);
        break;
      case 'hardlink':
        await this.dest.hardlink(await this.linkTarget(h), parts);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        await makeNode(abs, h.type, h.devmajor, h.devminor);
        await this.dest.setNodeMeta(parts, meta, false);
        break;
    }
    if (h.type === 'dir') return; // recorded when its metadata is set, in finish()
    await this.xattrs(parts, h);
    this.dest.record(parts);
  }

  private async linkTarget(h: TarHeader): Promise<string[]> {
    const named = cleanRooted(h.linkname);
    const parts = named.length === 0 ? [] : [...(await this.dest.resolve(named.slice(0, -1), true)), named.at(-1) as string];
    const st = parts.length === 0 ? undefined : await lstatOrUndefined(this.dest.abs(parts));
    if (!st || st.isDirectory()) {
      throw new BerthError('INVALID_ARCHIVE', `entry '${h.name}': invalid hardlink target '${h.linkname}'`);
    }
    return parts;
  }

  private async xattrs(parts: readonly string[], h: TarHeader): Promise<void> {
    if (h.type === 'symlink' || h.type === 'hardlink') return;
    for (const [name, value] of h.xattrs) {
      if (OVERLAY_XATTR.test(name)) continue; // would forge overlayfs whiteouts or redirects
      try {
        await setXattr(this.dest.abs(parts), name, value);
      } catch (e) {
        if (!isXattrUnsupported(e)) throw e;
        this.warnings.push(`${this.dest.image(parts)}: xattr ${name} not set (best effort, as docker)`);
      }
    }
  }

  /** Directory owners, modes and times last, deepest first, each re-checked to still be a directory. */
  async finish(): Promise<void> {
    const depth = (p: readonly string[]): number => p.length;
    for (const { parts, header } of this.dirs.sort((a, b) => depth(b.parts) - depth(a.parts))) {
      if (!(await lstatOrUndefined(this.dest.abs(parts)))?.isDirectory()) continue; // replaced later in the archive
      await this.dest.setDirMeta(parts, { owner: this.chown ?? { uid: header.uid, gid: header.gid }, mode: header.mode & 0o7777, mtimeNs: timeNs(header) });
      await this.xattrs(parts, header);
    }
  }
}
