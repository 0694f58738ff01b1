// COPY/ADD file semantics (BuildKit's fsutil copy, docker's multi-source rule): sources → destination inside a rootfs.

import { realpath, stat } from 'node:fs/promises';
import { BerthError } from '../../util/errors.ts';
import { parseChmod } from './chmod.ts';
import { Copier } from './copier.ts';
import { DestFs, lstatOrUndefined, type Owner } from './dest.ts';
import { cleanRooted } from './scoped-path.ts';
import { excludedTopLevel, selectSources } from './select.ts';
import { openSourceTree } from './source-tree.ts';
import type { CopyOptions, CopyResult } from './types.ts';
import { unpackIfArchive } from './unpack.ts';

/** The destination as image path components, and whether it was written as a directory (`dir/`, `.`, `dir/.`). */
export function parseDest(dest: string, workdir: string): { parts: string[]; dirSyntax: boolean } {
  const dirSyntax = dest === '' || dest === '.' || dest.endsWith('/') || dest.endsWith('/.');
  const full = dest.startsWith('/') ? dest : `${workdir === '' ? '/' : workdir}/${dest}`;
  return { parts: cleanRooted(full), dirSyntax };
}

/**
 * Copies what `opts.sources` select into `opts.destRoot` with Docker/BuildKit semantics: a directory
 * source copies its contents; a file lands in the destination directory (a trailing `/` or an
 * existing directory) or becomes the destination path; missing parents are created 0755 (or the
 * octal --chmod) owned by --chown or root. Paths in the destination resolve symlinks within
 * `destRoot` only, and nothing is written through a symlink the copy did not resolve that way.
 */
export async function copyFiles(opts: CopyOptions): Promise<CopyResult> {
  const root = await realpath(opts.destRoot);
  if (!(await stat(root)).isDirectory()) throw new BerthError('INVALID_ARGUMENT', `copy destination root ${root} is not a directory`);
  const chmod = opts.chmod === undefined || opts.chmod === '' ? undefined : parseChmod(opts.chmod);
  const tree = await openSourceTree(opts.source);
  const selection = await selectSources(tree, opts);
  const { cmd, items } = selection;
  const { parts, dirSyntax } = parseDest(opts.dest, opts.workdir);
  if (!opts.parents && items.length > 1 && !dirSyntax) {
    throw new BerthError('INVALID_ARGUMENT', `When using ${cmd} with more than one source file, the destination must be a directory and end with a /`);
  }
  const dest = new DestFs(root);
  const warnings: string[] = [];
  const owner: Owner = opts.chown ?? { uid: 0, gid: 0 };
  // BuildKit creates missing directories with the octal --chmod when one is given (fsutil MkdirAll).
  const dirMode = chmod?.octal === undefined ? 0o755 : chmod.octal & 0o777;
  const copier = new Copier(tree, dest, opts.chown, chmod, warnings);

  for (const item of items) {
    if (excludedTopLevel(selection, item)) continue;
    const parent = await dest.mkdirAllReporting(dirSyntax ? parts : parts.slice(0, -1), dirMode, owner);
    const target = await dest.resolve(parts, true);
    // `COPY dir/ /new/`: the directory just made for this item holds nothing yet, so its files
    // need no check for something to replace.
    const emptyTarget = dirSyntax && parent.created && parent.resolved.join('/') === target.join('/');
    if (opts.add?.extractArchives && item.node.type === 'file') {
      const prepare = (): Promise<string[]> => dest.mkdirAll(target, 0o755, owner);
      if (await unpackIfArchive(tree.abs(item.path), dest, prepare, opts.chown, warnings)) continue;
    }
    const existing = await lstatOrUndefined(dest.abs(target));
    if (item.node.type === 'dir') {
      if (existing === undefined) await dest.mkdirAll(target, dirMode, owner);
      else if (!existing.isDirectory()) throw dest.notDirectory(target);
      await copier.copyDir(item, target, selection.exclude, existing === undefined || emptyTarget);
      // fsutil restores the copied directory's times on the target after filling it.
      await dest.setDirTimes(target, item.node.mtimeNs);
    } else {
      const name = item.matchPath.slice(item.matchPath.lastIndexOf('/') + 1);
      await copier.leaf(item.path, item.node, existing?.isDirectory() ? [...target, name] : target);
    }
  }
  return { written: dest.written, warnings };
}
