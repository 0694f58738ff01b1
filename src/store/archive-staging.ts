// Unpacks an image archive's regular files into a private staging directory under the store's tmp
// (names confined, symlinks and hardlinks recorded as aliases, never created), so its documents can
// be read in any order. A dead loader's staging dir is removed at the next store open.
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openDecompressed, readTar, type Compression } from '../layer/index.ts';
import { asArchiveError } from '../layer/compression.ts';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';

const MAX_DOCUMENT = 8 * 1024 * 1024;

function cleanName(name: string): string {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') throw new BerthError('UNSAFE_PATH', `archive entry '${name}' points outside the archive`, { hint: 'the archive is malformed or hostile; nothing was loaded' });
    parts.push(p);
  }
  return parts.join('/');
}

export class ArchiveStaging {
  private readonly files = new Map<string, string>();
  private readonly aliases = new Map<string, string>();
  private count = 0;

  private constructor(readonly dir: string) {}

  static async unpack(tmpDir: string, source: Readable): Promise<ArchiveStaging> {
    const staging = new ArchiveStaging(tempName(tmpDir, 'load'));
    await mkdir(staging.dir, { mode: 0o700 });
    let compression: Compression = 'none';
    try {
      const opened = await openDecompressed(source);
      compression = opened.compression;
      for await (const { header, body } of readTar(opened.stream)) {
        const name = cleanName(header.name);
        if (header.type === 'file') {
          const file = path.join(staging.dir, String(staging.count++));
          await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
          staging.files.set(name, file);
        } else {
          body.resume();
          if (header.type === 'symlink') {
            const target = header.linkname.startsWith('/') ? header.linkname : path.posix.join(path.posix.dirname(name), header.linkname);
            staging.aliases.set(name, cleanName(target));
          } else if (header.type === 'hardlink') {
            staging.aliases.set(name, cleanName(header.linkname));
          }
        }
      }
    } catch (e) {
      await staging.dispose();
      // A cut-short or corrupt compressed archive fails inside zlib: say so, as INVALID_ARCHIVE.
      throw asArchiveError(e, compression);
    }
    return staging;
  }

  /** The staged file for an archive path (following recorded links), or undefined. */
  resolve(name: string): string | undefined {
    let n = cleanName(name);
    for (let hops = 0; hops < 32; hops++) {
      const f = this.files.get(n);
      if (f) return f;
      const next = this.aliases.get(n);
      if (next === undefined) return undefined;
      n = next;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  /** A small document (JSON), read whole but bounded. */
  async document(name: string, what: string): Promise<Buffer> {
    const file = this.require(name, what);
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      if (size > MAX_DOCUMENT) throw new BerthError('INVALID_ARCHIVE', `${what} '${name}' is ${size} bytes, more than the ${MAX_DOCUMENT} allowed`);
    } finally {
      await fh.close();
    }
    return readFile(file);
  }

  require(name: string, what: string): string {
    const f = this.resolve(name);
    if (!f) throw new BerthError('INVALID_ARCHIVE', `the archive has no ${what} '${name}'`, { hint: 'it is incomplete or not an image archive' });
    return f;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
