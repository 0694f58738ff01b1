// The real outside world of a build: runc containers for RUN, the context and other rootfses for
// COPY/ADD, and a persisted checksum memo so a no-op rebuild stats the context instead of reading it
// (one memo file per context directory, holding the digests of the files its builds read).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerRun, CopyRequest, EngineDeps } from '../build/index.ts';
import { contentChecksum, copyFiles, type ChecksumMemo, type ChecksumResult, type CopySource } from '../build/copy/index.ts';
import type { ContextEntry } from '../context/index.ts';
import type { Store } from '../store/index.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { makeDirs } from '../util/make-dirs.ts';

const NETWORK = { default: 'isolated', none: 'none', host: 'host' } as const;

/** The checksum memo is rewritten once a build hashed this many bytes, or 1/REWRITE_RATIO of its entries. */
const WRITE_AFTER_BYTES = 1 << 20;
const REWRITE_RATIO = 8;

export interface BuildPorts {
  runContainer(run: ContainerRun): Promise<number>;
  contextMount: EngineDeps['contextMount'];
  copyFiles(req: CopyRequest): Promise<void>;
  checksum(req: CopyRequest): Promise<string>;
  /** Writes the checksum memo back if it changed. */
  flush(): Promise<void>;
}

/**
 * Where a context's checksum memo lives: one file per context directory, so a build loads only
 * the digests of its own context, never those of every context the store has seen.
 */
export function checksumMemoFile(storeRoot: string, contextDir: string): string {
  const id = createHash('sha256').update(path.resolve(contextDir)).digest('hex').slice(0, 32);
  return path.join(storeRoot, 'cache', 'checksums', `${id}.json`);
}

export function buildPorts(store: Store, contextDir: string, entries: () => Promise<ContextEntry[]>): BuildPorts {
  const memoFile = checksumMemoFile(store.layout.root, contextDir);
  // A context unpacked under the store's tmp (stdin, a URL) is gone after its build: no memo outlives it.
  const ephemeral = path.resolve(contextDir).startsWith(path.resolve(store.layout.tmpDir) + path.sep);
  let memo: Map<string, string> | undefined;
  /** Keys this build looked up: what the memo keeps when it is written back. */
  const used = new Set<string>();
  let dirty = false;
  /** What this build's checksums had to read (files not in the memo). */
  const read = { files: 0, bytes: 0 };
  const counted = async (pending: Promise<ChecksumResult>): Promise<ChecksumResult> => {
    const r = await pending;
    read.files += r.filesRead;
    read.bytes += r.bytesRead;
    return r;
  };
  const loadMemo = async (): Promise<ChecksumMemo> => {
    memo ??= new Map(Object.entries(parseMemo(await readFile(memoFile, 'utf8').catch(() => '{}'))));
    const m = memo;
    return {
      get: (k) => { used.add(k); return m.get(k); },
      set: (k, v) => { used.add(k); m.set(k, v); dirty = true; },
    };
  };
  const sourceOf = async (req: Pick<CopyRequest, 'from'>): Promise<CopySource> =>
    req.from.kind === 'dir' ? { kind: 'dir', dir: req.from.dir } : { kind: 'context', dir: contextDir, entries: await entries() };
  const contextRequest = { from: { kind: 'context' } } as const;
  const select = (req: CopyRequest) => ({
    sources: req.sources,
    excludes: req.instruction.excludes,
    parents: req.instruction.parents,
    ...(req.instruction.kind === 'add' ? { add: { extractArchives: true } } : {}),
  });
  return {
    async runContainer(run) {
      // The runtime loads when a RUN step runs: a fully cached build never needs it.
      const { resolveUser, runContainer } = await import('../runtime/index.ts');
      const user = await resolveUser(run.rootfs, run.user || '0');
      const result = await runContainer({
        stateRoot: store.layout.root,
        spec: {
          args: run.args, env: run.env, cwd: run.cwd, rootfs: run.rootfs, hostname: 'buildkitsandbox',
          user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids }, network: NETWORK[run.network],
          mounts: [
            ...(run.heredocDir ? [{ type: 'bind' as const, source: run.heredocDir, destination: '/dev/pipes', readonly: true }] : []),
            ...(run.mounts ?? []),
          ],
          ...(run.privileged ? { privileged: true } : {}),
          ...(run.extraHosts ? { extraHosts: run.extraHosts, extraHostsLast: true } : {}),
        },
        stdout: run.stdout, stderr: run.stderr,
        ...(run.signal ? { signal: run.signal } : {}),
        ...(run.bundlesDir ? { bundlesDir: run.bundlesDir } : {}),
      });
      return result.exitCode;
    },
    async copyFiles(req) {
      await copyFiles({
        ...select(req), source: await sourceOf(req), dest: req.dest, workdir: req.workdir, destRoot: req.destRoot,
        chown: req.chown, chmod: req.instruction.chmod,
      });
    },
    contextMount: {
      async checksum(source) {
        return (await counted(contentChecksum({ source: await sourceOf(contextRequest), sources: [source], memo: await loadMemo() }))).digest;
      },
      async copy(source, dest) {
        await copyFiles({
          source: await sourceOf(contextRequest), sources: [source], dest: `/${path.basename(dest)}`, workdir: '/', destRoot: path.dirname(dest),
        });
      },
    },
    async checksum(req) {
      const r = await counted(contentChecksum({ ...select(req), source: await sourceOf(req), memo: await loadMemo() }));
      return r.digest;
    },
    async flush() {
      if (!memo || ephemeral) return;
      // Entries of files that changed or went away stay until they are half the memo, then go.
      const stale = memo.size - used.size;
      // New digests are written back when hashing those files again would cost about as much as
      // rewriting the whole memo: after one source file of a large context is edited, its next
      // build hashes that file again rather than this one rewriting every digest.
      const worthWriting = dirty && (read.bytes >= WRITE_AFTER_BYTES || read.files * REWRITE_RATIO >= memo.size);
      if (!worthWriting && stale <= used.size) return;
      const kept = stale > used.size ? [...used].filter((k) => memo!.has(k)).map((k) => [k, memo!.get(k)!]) : [...memo];
      await makeDirs(path.dirname(memoFile));
      await writeFileAtomic(memoFile, JSON.stringify(Object.fromEntries(kept)), store.layout.tmpDir, { durable: false });
    },
  };
}

/** The checksum memo's entries; a file a crash left torn or empty is an empty memo (it is a cache). */
function parseMemo(text: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((d) => typeof d === 'string')) return v as Record<string, string>;
  } catch {
    // fall through
  }
  return {};
}
