// The whole-build memo: berth's up-to-date check. A successful build records what its result
// depended on: the Dockerfile text and the options, the image each base name resolved to, the
// step record its result came from, and the lstat metadata (ctime included) of every context entry
// it could read. A later build of the same Dockerfile and options that finds all of them unchanged
// and the image still stored has that image as its result, since every step would be a cache hit:
// berth tags it and reports each step CACHED without loading the build engine (make's and Bazel's
// up-to-date check; BuildKit gets the same from a daemon that keeps its state in memory).
//
// What is never memoized: --no-cache, --pull, -o outputs, secrets and ssh (read at every build),
// --build-context, contexts berth unpacked itself (stdin, URLs), and Dockerfiles whose ADD fetches
// (a URL or git source, or a source named through a variable), in the file or in a base's ONBUILD.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BuildEvent } from '../build/types.ts';
import { CacheIndex } from '../cache/index.ts';
import { readIgnoreFile, walkContext, type ContextEntry } from '../context/index.ts';
import type { ImageConfig } from '../oci/index.ts';
import type { BuildPlan } from '../plan/index.ts';
import type { Store } from '../store/index.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import type { BuildImageOptions } from './build-image.ts';
import { normalizeName, openStore, resolveImage } from './image-resolve.ts';
import { writeIidFile } from './iid-file.ts';
import { readDockerfile } from './read-dockerfile.ts';
import { version } from './version.ts';
import { makeDirs } from '../util/make-dirs.ts';

/** The options a memo is about: those that can change the result, or rule the memo out. */
export type MemoOptions = Pick<BuildImageOptions, 'contextDir' | 'dockerfile' | 'dockerfileText' | 'buildArgs' | 'target' | 'tags' | 'noCache' | 'network'
  | 'labels' | 'iidfile' | 'outputs' | 'squash' | 'platform' | 'compression' | 'pull' | 'secrets' | 'ssh' | 'allow' | 'buildContexts' | 'addHosts' | 'onEvent'>;

/** What a replayed build shows: the steps (all CACHED) and warnings of the build it repeats, in order. */
type MemoEvent = Extract<BuildEvent, { type: 'step-start' }> | Extract<BuildEvent, { type: 'warning' }>;

interface MemoRecord {
  v: 2;
  /** The full key (the file name is only its hash). */
  key: string;
  /** The context entries' metadata (contextFingerprint); null when the build never read its context. */
  context: string | null;
  /** [name as written, image ID it resolved to] for every image the build looked up. */
  images: Array<[string, string]>;
  /** The step record the target stage's last step came from. */
  step: string;
  manifest: string;
  config: string;
  diffSizes: number[];
  events: MemoEvent[];
}

/** Entries whose ctime is this close to the walk (or after it) may change unseen within one tick of the file system's clock. */
const RACY_MARGIN_NS = 1_000_000_000n;

/**
 * FNV-1a, 64 bits: names a memo file by its key. Not a digest: the file holds the whole key and its
 * content is compared whole, so this only spreads keys over files (node:crypto would cost an
 * up-to-date build a few dozen modules it otherwise never loads).
 */
function fnv64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}
const sorted = (record: Record<string, string | undefined> | undefined): Array<[string, string | null]> =>
  Object.entries(record ?? {}).map(([k, v]): [string, string | null] => [k, v ?? null]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** Whether the options allow a memo at all (the plan and the bases are checked when recording). */
export function memoizable(opts: MemoOptions, storeTmpDir: string): boolean {
  if (opts.noCache || opts.pull || opts.outputs?.length || opts.secrets?.length || opts.ssh?.length || opts.buildContexts?.length) return false;
  // A context unpacked under the store's tmp (stdin, a URL) is gone after its build.
  return !path.resolve(opts.contextDir).startsWith(path.resolve(storeTmpDir) + path.sep);
}

/** The full key: every input that shapes the result, except the context's files and the bases (checked apart). */
function memoKey(opts: MemoOptions, file: string, text: string): string {
  return JSON.stringify({
    berth: version,
    context: path.resolve(opts.contextDir),
    dockerfile: opts.dockerfile === '-' || opts.dockerfileText !== undefined ? '-' : path.resolve(file),
    text,
    buildArgs: sorted(opts.buildArgs),
    target: opts.target ?? null,
    network: opts.network ?? 'default',
    labels: sorted(opts.labels),
    squash: opts.squash ?? false,
    platform: opts.platform ?? [],
    compression: opts.compression ?? null,
    allow: [...(opts.allow ?? [])].sort(),
    addHosts: opts.addHosts ?? [],
  });
}

function memoFile(root: string, key: string): string {
  return path.join(root, 'cache', 'builds', `${fnv64(key)}.json`);
}

/** Every entry's path and metadata (type, mode, size, owner, times, inode, links, link target), a line each. */
export function contextFingerprint(entries: readonly ContextEntry[]): string {
  let out = '';
  for (const e of entries) {
    out += `${JSON.stringify(e.path)} ${e.type} ${e.mode} ${e.size} ${e.uid}:${e.gid} ${e.mtimeNs} ${e.ctimeNs} ${e.dev}:${e.ino} ${e.nlink} ${e.impliedParent ? 1 : 0} ${JSON.stringify(e.linkTarget ?? '')}\n`;
  }
  return out;
}

async function contextEntries(opts: MemoOptions): Promise<ContextEntry[]> {
  const ignore = await readIgnoreFile(opts.contextDir, opts.dockerfile === '-' ? undefined : opts.dockerfile);
  return walkContext(opts.contextDir, ignore.rules);
}

/** A base that fetches at every build (ADD of a URL or git source) in an ONBUILD trigger. */
export function fetchingTriggers(config: ImageConfig): boolean {
  return (config.config?.OnBuild ?? []).some((t) => /^\s*add\b/i.test(t) && fetchingSource(t.replace(/^\s*add\s+/i, '')));
}

function fetchingSource(text: string): boolean {
  return /:\/\/|^git@|@[\w.-]+:|^github\.com\/|\$/.test(text);
}

/** Whether a step of the stages the target needs fetches at every build (so its result may change with nothing local changing). */
export function planFetches(plan: BuildPlan): boolean {
  return plan.order.some((i) => plan.stages[i]!.steps.some((inst) => inst.kind === 'add' && inst.sources.some(fetchingSource)));
}

export interface BuildRecording {
  store: Store;
  opts: MemoOptions;
  file: string;
  text: string;
  /** The context entries the build read, with the wall clock (ns) when their walk began; undefined if it never read them. */
  context: { entries: readonly ContextEntry[]; walkStartNs: bigint } | undefined;
  /** The images the build resolved; undefined when it fetches at every build (no memo then). */
  images: ReadonlyMap<string, string> | undefined;
  step: string;
  manifest: string;
  config: string;
  diffSizes: number[];
  events: readonly MemoEvent[];
}

/**
 * Keeps what the next build needs to know it is up to date, or drops what would now be wrong.
 * Never fails the build: a memo is a cache.
 */
export async function recordBuild(r: BuildRecording): Promise<void> {
  try {
    const dir = path.join(r.store.layout.root, 'cache', 'builds');
    // --no-cache wrote new step records, which other builds' memos may stand on: they all go.
    if (r.opts.noCache) return await rm(dir, { recursive: true, force: true });
    const key = memoKey(r.opts, r.file, r.text);
    const file = memoFile(r.store.layout.root, key);
    // An entry changed within a clock tick of the walk might change again with the same times: no memo.
    const racy = r.context?.entries.some((e) => e.ctimeNs >= r.context!.walkStartNs - RACY_MARGIN_NS);
    if (!memoizable(r.opts, r.store.layout.tmpDir) || !r.images || racy) return await rm(file, { force: true });
    const record: MemoRecord = {
      v: 2, key, context: r.context ? contextFingerprint(r.context.entries) : null, images: [...r.images], step: r.step,
      manifest: r.manifest, config: r.config, diffSizes: r.diffSizes, events: [...r.events],
    };
    await makeDirs(dir);
    await writeFileAtomic(file, JSON.stringify(record), r.store.layout.tmpDir, { durable: false });
  } catch {
    // no memo: the next build runs the engine
  }
}

function parseRecord(text: string, key: string): MemoRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<MemoRecord>;
    if (r.v !== 2 || r.key !== key || typeof r.manifest !== 'string' || typeof r.config !== 'string' || typeof r.step !== 'string') return undefined;
    if (!Array.isArray(r.images) || !Array.isArray(r.events) || !Array.isArray(r.diffSizes)) return undefined;
    return r as MemoRecord;
  } catch {
    return undefined; // torn by a crash: no memo
  }
}

export interface ReplayedBuild {
  id: string;
  tags: string[];
}

/** What a replay that found the build out of date learned on the way, for the build to reuse. */
export interface ReplayMiss {
  store?: Store;
  walked?: { entries: ContextEntry[]; walkStartNs: bigint };
}

/**
 * The result of a build whose inputs are all as the memo recorded them: the image is tagged, the
 * recorded steps are reported CACHED and the ID returned. Undefined when anything differs (the
 * caller runs the build). Bad tags throw, as they would before a build.
 */
export async function replayBuild(root: string, opts: MemoOptions, miss: ReplayMiss = {}): Promise<ReplayedBuild | undefined> {
  const tags = (opts.tags ?? []).map(normalizeName);
  const { file, text } = await readDockerfile(opts).catch(() => ({ file: '', text: undefined }));
  if (text === undefined) return undefined; // the build reports it
  const key = memoKey(opts, file, text);
  const store = await openStore(root);
  miss.store = store;
  if (!memoizable(opts, store.layout.tmpDir)) return undefined;
  const record = parseRecord(await readFile(memoFile(store.layout.root, key), 'utf8').catch(() => ''), key);
  if (!record) return undefined;
  for (const [name, id] of record.images) {
    const now = await resolveImage(store, name).then((img) => img.config, () => undefined);
    if (now !== id) return undefined;
  }
  if ((await new CacheIndex(path.join(store.layout.root, 'cache', 'steps'), store.layout.tmpDir).get(record.step)) === undefined) return undefined;
  if (record.context !== null) {
    const walkStartNs = BigInt(Date.now()) * 1_000_000n;
    const entries = await contextEntries(opts).catch(() => undefined);
    if (!entries) return undefined;
    if (contextFingerprint(entries) !== record.context) {
      miss.walked = { entries, walkStartNs };
      return undefined;
    }
  }
  try {
    await store.addImages([{ manifest: record.manifest, config: record.config, tags, diffSizes: record.diffSizes }]);
  } catch {
    return undefined; // a blob is gone (rmi, prune): the build makes the image again
  }
  const emit = opts.onEvent ?? ((): void => undefined);
  for (const e of record.events) {
    emit(e);
    if (e.type === 'step-start') {
      emit({ type: 'step-cached', id: e.id });
      emit({ type: 'step-done', id: e.id, ms: 0 });
    }
  }
  if (opts.iidfile) await writeIidFile(opts.iidfile, record.config);
  return { id: record.config, tags };
}
