// Which source paths a COPY/ADD reads: wildcard expansion, scoped symlink following, --parents roots, errors docker gives.

import { PatternMatcher } from '../../context/index.ts';
import { BerthError, isBerthError } from '../../util/errors.ts';
import { containsWildcards, goMatch, splitWildcards } from './go-match.ts';
import { cleanRooted, splitPath } from './scoped-path.ts';
import { joinRel, resolveSource, type SourceNode, type SourceTree } from './source-tree.ts';
import type { SelectOptions } from './types.ts';

/** One top-level thing a COPY copies: a file (or a followed symlink) or a directory whose contents are copied. */
export interface CopyItem {
  /** Index into the instruction's sources. */
  readonly source: number;
  /** The matched path relative to the source root, before following it: its base name names a copied file. */
  readonly matchPath: string;
  /** The path read, every symlink followed within the source root. */
  readonly path: string;
  readonly node: SourceNode;
  /** `--parents`: only paths below `path` these patterns match are copied (with their parents). */
  readonly include: PatternMatcher | undefined;
}

export interface Selection {
  readonly cmd: 'COPY' | 'ADD';
  readonly items: CopyItem[];
  readonly exclude: PatternMatcher | undefined;
}

function compile(patterns: readonly string[], what: string): PatternMatcher {
  try {
    return PatternMatcher.compile(patterns);
  } catch (e) {
    if (!isBerthError(e)) throw e;
    throw new BerthError('INVALID_ARGUMENT', `invalid ${what}: ${e.message}`, { cause: e });
  }
}

/** Clean components of a source path; `..` that would leave the source root is refused, as docker's builder does. */
function sourceParts(src: string, tree: SourceTree, cmd: string): string[] {
  const parts: string[] = [];
  for (const p of splitPath(src)) {
    if (p !== '..') parts.push(p);
    else if (parts.pop() === undefined) {
      const where = tree.kind === 'context' ? 'the build context' : 'the source';
      throw new BerthError('UNSAFE_PATH', `${cmd} failed: forbidden path outside ${where}: ${src}`);
    }
  }
  return parts;
}

function notFound(cmd: string, parts: readonly string[], tree: SourceTree): BerthError {
  return new BerthError('NOT_FOUND', `${cmd} failed: "/${parts.join('/')}": not found`, {
    hint: tree.kind === 'context' ? 'check that the path exists in the build context and is not excluded by .dockerignore' : undefined,
  });
}

/**
 * Paths a source names, relative to the root: the literal path when it has no wildcard, else every
 * match of the pattern part below the literal part (fsutil's ResolveWildcards: the literal part is
 * followed through symlinks, the walk is not, a matching directory is not searched further).
 */
async function expand(tree: SourceTree, parts: readonly string[]): Promise<{ paths: string[]; wildcard: boolean }> {
  const { literal, pattern } = splitWildcards(parts);
  if (pattern.length === 0) return { paths: [parts.join('/')], wildcard: false };
  const base = await resolveSource(tree, literal, true);
  if ((await tree.lstat(base))?.type !== 'dir') return { paths: [], wildcard: true };
  const glob = pattern.join('/');
  // `*` and `?` never match `/`; only a class like `[^a]` can, one per class.
  const maxDepth = pattern.length + (glob.match(/\[/g)?.length ?? 0);
  const paths: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    for (const name of await tree.readdir(joinRel(base, rel))) {
      const child = joinRel(rel, name);
      if (goMatch(glob, child)) {
        paths.push(joinRel(base, child));
        continue;
      }
      if (depth + 1 < maxDepth && (await tree.lstat(joinRel(base, child)))?.type === 'dir') await walk(child, depth + 1);
    }
  };
  await walk('', 0);
  return { paths, wildcard: true };
}

async function followed(tree: SourceTree, path: string): Promise<{ path: string; node: SourceNode | undefined }> {
  const resolved = await resolveSource(tree, path === '' ? [] : path.split('/'), true);
  return { path: resolved, node: await tree.lstat(resolved) };
}

/**
 * Resolves an instruction's sources to the items it copies. A literal source that does not exist is
 * an error naming it; a wildcard that matches nothing is not (BuildKit), but an instruction that
 * selects nothing at all is (docker's "no source files were specified").
 */
export async function selectSources(tree: SourceTree, opts: SelectOptions): Promise<Selection> {
  const cmd = opts.add ? 'ADD' : 'COPY';
  const exclude = opts.excludes?.length ? compile(opts.excludes, '--exclude pattern') : undefined;
  const items: CopyItem[] = [];
  const unmatched: string[] = [];
  for (const [index, src] of opts.sources.entries()) {
    const all = sourceParts(src, tree, cmd);
    let rootParts = all;
    let include: PatternMatcher | undefined;
    if (opts.parents) {
      // BuildKit: the copy is rooted at the part before the first `/./` (else the source root) and
      // the rest becomes an include pattern, matched like .dockerignore lines.
      const cut = src.indexOf('/./');
      rootParts = cut < 0 ? [] : sourceParts(src.slice(0, cut), tree, cmd);
      const pattern = cleanRooted(cut < 0 ? src : src.slice(cut + 3)).join('/');
      if (pattern !== '') include = compile([pattern], `--parents source ${JSON.stringify(src)}`);
      if (!containsWildcards(src) && (await tree.lstat(await resolveSource(tree, all, false))) === undefined) {
        throw notFound(cmd, all, tree);
      }
    }
    const { paths, wildcard } = await expand(tree, rootParts);
    if (paths.length === 0) unmatched.push(src);
    for (const matchPath of paths) {
      const { path, node } = await followed(tree, matchPath);
      if (node === undefined) throw notFound(cmd, wildcard ? matchPath.split('/') : rootParts, tree);
      items.push({ source: index, matchPath, path, node, include });
    }
  }
  if (items.length === 0) {
    const which = unmatched.map((s) => JSON.stringify(s)).join(', ');
    throw new BerthError('NOT_FOUND', `${cmd} failed: no source files were specified (nothing matched ${which})`);
  }
  return { cmd, items, exclude };
}

/** A top-level file is skipped when an --exclude pattern matches its name (docker's documented behaviour). */
export function excludedTopLevel(selection: Selection, item: CopyItem): boolean {
  if (selection.exclude === undefined || item.node.type === 'dir' || item.include !== undefined) return false;
  const name = item.matchPath.slice(item.matchPath.lastIndexOf('/') + 1);
  return selection.exclude.matchState(name).excluded;
}
