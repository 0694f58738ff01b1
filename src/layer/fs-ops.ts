// File-system operations Node lacks or makes awkward: mknod (via the mknod tool), xattrs via @napi-rs/xattr.

import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { BerthError } from '../util/errors.ts';
import { findExecutable } from './process-filter.ts';

export type NodeKind = 'char' | 'block' | 'fifo';

type XattrAddon = typeof import('@napi-rs/xattr');
let addon: XattrAddon | undefined;

/**
 * The xattr addon, loaded on first use: most commands (a cached rebuild, images) never need it.
 * The package's entry first works out the C library by reading /usr/bin/ldd; on glibc Linux the
 * prebuilt addon is loaded directly (half the ~7 ms), with the entry as the fallback (musl, others).
 */
function xattr(): XattrAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  const triple = `${process.platform}-${process.arch}-gnu`;
  try {
    if (process.platform !== 'linux') throw new Error('not linux');
    addon = require(`@napi-rs/xattr-${triple}/xattr.${triple}.node`) as XattrAddon;
  } catch {
    addon = require('@napi-rs/xattr') as XattrAddon;
  }
  return addon;
}

/** Creates a device node or fifo (Node has no mknod(2)); the mode is set by the caller afterwards. */
export async function makeNode(path: string, kind: NodeKind, major = 0, minor = 0): Promise<void> {
  const tool = findExecutable('mknod');
  if (!tool) throw new BerthError('MISSING_DEPENDENCY', `cannot create ${kind} node '${path}': mknod is not installed`);
  const args = kind === 'fifo' ? ['-m', '0600', '--', path, 'p'] : ['-m', '0600', '--', path, kind === 'char' ? 'c' : 'b', String(major), String(minor)];
  await new Promise<void>((resolve, reject) => {
    execFile(tool, args, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const text = String(stderr).trim();
      const e = new Error(text || err.message) as NodeJS.ErrnoException;
      e.code = /Operation not permitted/i.test(text) ? 'EPERM' : 'EMKNOD';
      reject(e);
    });
  });
}

/** Errors that mean "this file system or privilege level cannot hold the attribute". */
export function isXattrUnsupported(e: unknown): boolean {
  const msg = String((e as Error | undefined)?.message ?? e);
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'EPERM' ||
    code === 'ENOTSUP' ||
    code === 'EOPNOTSUPP' ||
    /\(os error (1|95)\)|not permitted|not supported/i.test(msg)
  );
}

/** Sets an xattr on `path` itself (never through a symlink). */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  await xattr().setAttribute(path, name, value);
}

/** All xattrs of `path` itself (not following a symlink), values as raw bytes. */
export async function readXattrs(path: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  let names: string[];
  try {
    names = await xattr().listAttributes(path);
  } catch (e) {
    if (isXattrUnsupported(e)) return out;
    throw e;
  }
  for (const name of names) {
    const value = await xattr().getAttribute(path, name);
    if (value !== null) out.set(name, Buffer.from(value));
  }
  return out;
}

/**
 * readXattrs without the thread-pool round trips (llistxattr and lgetxattr are quick syscalls):
 * for walks over thousands of files, where two awaited hops per file cost more than the calls.
 */
export function readXattrsSync(path: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let names: string[];
  try {
    names = xattr().listAttributesSync(path);
  } catch (e) {
    if (isXattrUnsupported(e)) return out;
    throw e;
  }
  for (const name of names) {
    const value = xattr().getAttributeSync(path, name);
    if (value !== null) out.set(name, Buffer.from(value));
  }
  return out;
}
