// Listing the build context: the entries a build may see after .dockerignore, with lstat metadata, symlinks never followed.

import { isUtf8 } from 'node:buffer';
import { lstatSync, readdirSync, readlinkSync, type BigIntStats, type Dirent } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import type { IgnoreRules } from './dockerignore.ts';
import { compareByteOrder } from './path-order.ts';
import type { MatchState, PatternMatcher } from './pattern-matcher.ts';
import { monotonicMs } from '../util/clock.ts';

export type ContextEntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface ContextEntry {
  /** Relative to the context root, `/`-separated, no leading `./`. */
  readonly path: string;
  readonly type: ContextEntryType;
  /** The full st_mode (type bits and permission bits). */
  readonly mode: number;
  readonly size: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeMs: number;
  /** Exact modification time, for reproducible archives. */
  readonly mtimeNs: bigint;
  /** Exact status-change time: moves on every write, chmod or rename, and no tool can set it back. */
  readonly ctimeNs: bigint;
  /** Inode and device as bigint: 64-bit inode numbers do not fit a double. Equal (dev, ino) = hard links. */
  readonly ino: bigint;
  readonly dev: bigint;
  readonly nlink: number;
  /** For symlinks: the target text as stored (never resolved). */
  readonly linkTarget?: string;
  /**
   * True for a directory the rules exclude that is listed only because something inside it was
   * re-included by a `!` pattern (as BuildKit sends such parents, with their real metadata).
   */
  readonly impliedParent: boolean;
}

export interface WalkOptions {
  /** Ignored: the walk's calls are synchronous now (kept so callers that pass it still compile). */
  concurrency?: number;
  signal?: AbortSignal;
}

const S_IFMT = 0o170000;
const TYPES: Record<number, ContextEntryType> = { 0o040000: 'dir', 0o100000: 'file', 0o120000: 'symlink' };
const SLASH = Buffer.from('/');

/**
 * Lists every entry of `contextDir` that a build may see under `rules`, sorted in byte order (so
 * parents come before their children). The context root itself is not listed. Symlinks are listed
 * with their target and never followed, so links out of the context or in loops are harmless.
 *
 * The Dockerfile and ignore file get no special treatment: they are listed unless the rules exclude
 * them (the builder reads them separately either way, as docker does).
 *
 * An excluded directory is not read unless a later `!` pattern could match something inside it; a
 * directory the rules exclude but which holds re-included entries is listed with `impliedParent`.
 * Unreadable directories fail the walk unless they are excluded; entries that vanish mid-walk are
 * skipped. Names that are not valid UTF-8 fail the walk if they would be included.
 */
export async function walkContext(
  contextDir: string,
  rules: Pick<IgnoreRules, 'matcher'>,
  opts: WalkOptions = {},
): Promise<ContextEntry[]> {
  const root = path.resolve(contextDir);
  await checkRoot(root);
  const walker = new Walker(rules.matcher, opts.signal);
  await walker.dir('', Buffer.from(root), undefined, false);
  return walker.entries.sort((a, b) => compareByteOrder(a.path, b.path));
}

async function checkRoot(root: string): Promise<void> {
  let st;
  try {
    st = await stat(root);
  } catch (e) {
    throw new BerthError('CONTEXT', `cannot use ${root} as build context: ${(e as Error).message}`, { cause: e });
  }
  if (!st.isDirectory()) throw new BerthError('CONTEXT', `build context ${root} is not a directory`);
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Milliseconds of synchronous walking before the event loop gets a turn. */
const SLICE_MS = 20;

/**
 * The walk makes its readdir/lstat/readlink calls synchronously: on a context in the page cache
 * each takes microseconds, while an awaited call costs a thread-pool round trip several times
 * that (a 10,000-file context walked in a fraction of the time). It yields to the event loop
 * between directories every SLICE_MS, so progress output and Ctrl-C are not held up.
 */
class Walker {
  readonly entries: ContextEntry[] = [];
  private since = monotonicMs();

  constructor(
    private readonly matcher: PatternMatcher,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Walks one directory; resolves to whether anything inside it was listed. */
  async dir(rel: string, abs: Buffer, state: MatchState | undefined, excluded: boolean): Promise<boolean> {
    if (monotonicMs() - this.since >= SLICE_MS) {
      await nextTurn();
      this.since = monotonicMs();
    }
    this.signal?.throwIfAborted();
    let children: Dirent<Buffer>[];
    try {
      children = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if (excluded || errno(e) === 'ENOENT') return false;
      throw this.failure(`cannot read directory ${rel || '.'}`, e);
    }
    let listed = false;
    for (const child of children) if (await this.visit(rel, abs, state, child)) listed = true;
    return listed;
  }

  private async visit(parentRel: string, parentAbs: Buffer, parentState: MatchState | undefined, child: Dirent<Buffer>): Promise<boolean> {
    const name = child.name.toString('utf8');
    const rel = parentRel === '' ? name : `${parentRel}/${name}`;
    const abs = Buffer.concat([parentAbs, SLASH, child.name]);
    const state = this.matcher.matchState(rel, parentState);
    if (!state.excluded) {
      if (!isUtf8(child.name)) {
        throw new BerthError('CONTEXT', `file name is not valid UTF-8: ${JSON.stringify(rel)} (exclude it in .dockerignore)`);
      }
      const entry = this.describe(abs, rel, false);
      if (entry === undefined) return false;
      this.entries.push(entry);
      if (entry.type === 'dir') await this.dir(rel, abs, state, false);
      return true;
    }
    if (!child.isDirectory() || !this.matcher.mayIncludeBelow(rel, state)) return false;
    if (!(await this.dir(rel, abs, state, true))) return false;
    const entry = this.describe(abs, rel, true);
    if (entry !== undefined) this.entries.push(entry);
    return true;
  }

  private describe(abs: Buffer, rel: string, impliedParent: boolean): ContextEntry | undefined {
    let st: BigIntStats;
    let linkTarget: string | undefined;
    try {
      st = lstatSync(abs, { bigint: true });
      if ((Number(st.mode) & S_IFMT) === 0o120000) {
        linkTarget = readlinkSync(abs, { encoding: 'buffer' }).toString('utf8');
      }
    } catch (e) {
      if (errno(e) === 'ENOENT') return undefined; // removed while we walked
      throw this.failure(`cannot stat ${rel}`, e);
    }
    const mode = Number(st.mode);
    return {
      path: rel,
      type: TYPES[mode & S_IFMT] ?? 'other',
      mode,
      size: Number(st.size),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeMs: Number(st.mtimeNs) / 1e6,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      ino: st.ino,
      dev: st.dev,
      nlink: Number(st.nlink),
      ...(linkTarget === undefined ? {} : { linkTarget }),
      impliedParent,
    };
  }

  private failure(message: string, cause: unknown): BerthError {
    return new BerthError('CONTEXT', `${message}: ${(cause as Error).message}`, { cause });
  }
}
