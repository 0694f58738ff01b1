// `berth build`: plan the Dockerfile, run the engine with the real ports (store, runc, context
// copies), write the image and tag it. Nothing is tagged unless the whole build succeeded.
import { finalizeImage, runEngine, type BuildEvent, type CopyRequest, type LayerCompressionOptions, type LayerRef, type ResolvedImage } from '../build/index.ts';
import { readIgnoreFile, walkContext, type ContextEntry } from '../context/index.ts';
import { manifestFor } from '../image/new-image.ts';
import { MediaType, type ImageConfig } from '../oci/index.ts';
import { loadDockerfile, sourceDateEpoch, targetPlatform } from '../plan/index.ts';
import { checkPlatforms, layerCompressionOf, warnForeignBase } from './build-finish.ts';
import type { Store } from '../store/index.ts';
import { BerthError } from '../util/errors.ts';
import { writeIidFile } from './iid-file.ts';
import { readDockerfile } from './read-dockerfile.ts';
import { normalizeName, openStore, resolveImage } from './image-resolve.ts';
import { buildPorts } from './build-ports.ts';
import { namedContextResolver, parseBuildContexts } from './named-contexts.ts';
import { parseEntitlements, readBuildSecrets, sshAgentSockets } from './build-secrets.ts';
import { baseImageResolver } from './base-image-resolver.ts';
import { parseAddHosts } from './add-host.ts';
import type { RegistryCallOptions } from './registry-common.ts';
import { parseOutput, writeOutput } from '../exporters/build-output.ts';
import { fetchingTriggers, planFetches, recordBuild, replayBuild, type ReplayMiss } from './build-memo.ts';

export interface BuildImageOptions {
  contextDir: string;
  dockerfile?: string | undefined;
  dockerfileText?: string | undefined;
  buildArgs?: Record<string, string | undefined>;
  target?: string | undefined;
  tags?: readonly string[];
  noCache?: boolean;
  network?: 'default' | 'none' | 'host';
  labels?: Record<string, string>;
  iidfile?: string | undefined;
  /** `-o` specs (docker's syntax); the image is always stored too. */
  outputs?: readonly string[];
  /** Where `-o …,dest=-` outputs are written (the CLI passes its stdout). */
  outputStream?: NodeJS.WritableStream | undefined;
  /** Merge the final stage's own layers into one (docker's --squash). */
  squash?: boolean;
  /** `--platform` values; only the host's platform is accepted. */
  platform?: readonly string[];
  /** Compression of the layers the image is stored (and exported) with; uncompressed when left out. */
  compression?: LayerCompressionOptions | undefined;
  /** `--pull`: pull every base image, even one the store has (a missing one is always pulled). */
  pull?: boolean;
  /** Settings and credentials for pulling base images. */
  registry?: RegistryCallOptions;
  /** `--secret` specs (docker's syntax: id=NAME,src=FILE|env=VAR). */
  secrets?: readonly string[];
  /** `--ssh` specs (default|ID=SOCKET). */
  ssh?: readonly string[];
  /** `--allow` entitlements (network.host, security.insecure). */
  allow?: readonly string[];
  /** `--build-context NAME=DIR|docker-image://REF` specs; a relative DIR is taken against the current directory. */
  buildContexts?: readonly string[];
  /** `--add-host host:ip` values for the RUN steps' /etc/hosts. */
  addHosts?: readonly string[];
  signal?: AbortSignal;
  onEvent?: (e: BuildEvent) => void;
}

export interface BuildImageResult {
  id: string;
  tags: string[];
  /** True when nothing the last build of these options read had changed: its image was reused without running the engine. */
  upToDate?: boolean;
}

/**
 * A step's error carries the range of its instruction; the Dockerfile's name and the line itself
 * are known only here. Without them the CLI could not say which line failed (docker shows both).
 */
function atDockerfileLine(e: unknown, file: string, text: string): unknown {
  if (!(e instanceof BerthError) || e.file !== undefined || e.range === undefined) return e;
  const { start, end } = e.range;
  const last = end.line > start.line && end.column <= 1 ? end.line - 1 : end.line;
  const excerpt = text.split(/\r?\n/).slice(start.line - 1, Math.max(start.line, last)).join('\n');
  return new BerthError(e.code, e.message, { cause: e.cause, file, range: e.range, hint: e.hint, excerpt });
}

/** A stored image as the engine sees it: config and layer references with their sizes. */
export async function storedImage(store: Store, ref: string): Promise<ResolvedImage> {
  const img = await resolveImage(store, ref);
  const manifest = JSON.parse((await store.blobs.read(img.manifest)).toString('utf8')) as { layers: Array<{ digest: string; size: number; mediaType: string }> };
  const config = JSON.parse((await store.blobs.read(img.config)).toString('utf8')) as ImageConfig;
  const layers: LayerRef[] = manifest.layers.map((l, i) => ({
    diffId: config.rootfs.diff_ids[i]!, digest: l.digest, size: l.size, diffSize: img.diffSizes?.[i] ?? 0, mediaType: l.mediaType,
  }));
  return { id: img.config, config, layers };
}

/** Builds, or reuses the image of the last build when nothing it read has changed (see build-memo.ts). */
export async function buildImage(root: string, opts: BuildImageOptions): Promise<BuildImageResult> {
  const learned: ReplayMiss = {};
  const replayed = await replayBuild(root, opts, learned);
  return replayed ? { ...replayed, upToDate: true } : buildImageFully(root, opts, learned);
}

/** Runs the build (every step looked up in the step cache), then records the memo for the next one. */
export async function buildImageFully(root: string, opts: BuildImageOptions, learned: ReplayMiss = {}): Promise<BuildImageResult> {
  const tags = (opts.tags ?? []).map(normalizeName); // bad names fail before any work
  const outputs = (opts.outputs ?? []).map(parseOutput);
  const extraHosts = parseAddHosts(opts.addHosts ?? []);
  const { file, text } = await readDockerfile(opts);
  const platform = targetPlatform(opts.platform);
  const namedContexts = parseBuildContexts(opts.buildContexts ?? []);
  const { plan, warnings } = loadDockerfile(text, { file, buildArgs: opts.buildArgs ?? {}, target: opts.target, ...(platform ? { platform } : {}), namedContexts: new Set(namedContexts.keys()) });
  try { checkPlatforms(plan); } catch (e) { throw atDockerfileLine(e, file, text); }
  const epoch = sourceDateEpoch(plan);
  const compression = layerCompressionOf(opts.compression, outputs);
  // Read before any work, so a missing secret file or agent fails the build at once.
  const runAccess = {
    secrets: await readBuildSecrets(opts.secrets ?? []), ssh: await sshAgentSockets(opts.ssh ?? []), allow: parseEntitlements(opts.allow ?? []),
    extraHosts,
  };
  const userEmit = opts.onEvent ?? ((): void => undefined);
  // What a replay of this build shows: its steps and warnings (all steps CACHED then).
  const shown: Array<Extract<BuildEvent, { type: 'step-start' | 'warning' }>> = [];
  const emit = (e: BuildEvent): void => {
    if (e.type === 'step-start' || e.type === 'warning') shown.push(e);
    userEmit(e);
  };
  for (const w of warnings) emit({ type: 'warning', message: `${file}${w.range ? `:${w.range.start.line}` : ''}: ${w.message}`, ...(w.range ? { line: w.range.start.line } : {}) });

  const store = learned.store ?? await openStore(root);
  // The context as the replay attempt walked it (it found a change), or walked when a step first reads it.
  let entries: Promise<ContextEntry[]> | undefined = learned.walked && Promise.resolve(learned.walked.entries);
  let walkStartNs = learned.walked?.walkStartNs ?? 0n;
  const contextEntries = (): Promise<ContextEntry[]> => (entries ??= (walkStartNs = BigInt(Date.now()) * 1_000_000n,
  readIgnoreFile(opts.contextDir, opts.dockerfile === '-' ? undefined : opts.dockerfile).then((ignore) => walkContext(opts.contextDir, ignore.rules))));
  /** Image IDs the build's names resolved to; undefined once a base's ONBUILD fetches (no memo then). */
  let resolved: Map<string, string> | undefined = planFetches(plan) ? undefined : new Map();
  const resolver = namedContextResolver(store, namedContexts, baseImageResolver(store, (ref) => storedImage(store, ref).then((img) => warnForeignBase(ref, img, emit)), {
    pull: opts.pull ?? false, ...(opts.registry ?? {}), ...(opts.signal ? { signal: opts.signal } : {}),
  }));
  const ports = buildPorts(store, opts.contextDir, contextEntries);

  return store.write(async () => {
    const result = await runEngine({
      store,
      resolveImage: async (ref) => {
        const img = await resolver(ref);
        if (fetchingTriggers(img.config)) resolved = undefined;
        resolved?.set(ref, img.id);
        return img;
      },
      runContainer: ports.runContainer,
      contextMount: ports.contextMount,
      copyFiles: (req: CopyRequest) => ports.copyFiles(req),
      checksum: (req: CopyRequest) => ports.checksum(req),
      emit,
    }, { plan, noCache: opts.noCache ?? false, network: opts.network ?? 'default', ...(opts.signal ? { signal: opts.signal } : {}), ...runAccess })
      .catch((e: unknown) => { throw atDockerfileLine(e, file, text); });

    const rewriteTimestamp = !outputs.some((o) => o.rewriteTimestamp === false);
    const final = await finalizeImage(store, result, { epoch, rewriteTimestamp, squash: opts.squash, compression, platform });
    const config = final.config;
    if (opts.labels && Object.keys(opts.labels).length) {
      const c = (config.config ??= {});
      c.Labels = { ...(c.Labels ?? {}), ...opts.labels };
    }
    const built = manifestFor(Buffer.from(JSON.stringify(config)), final.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType ?? MediaType.OciLayer })));
    // Independent writes overlap: each waits on its own fsyncs.
    await Promise.all([store.blobs.put(built.configBytes, { digest: built.configDigest }), store.blobs.put(built.manifestBytes, { digest: built.manifestDigest })]);
    const [[image]] = await Promise.all([
      store.addImages([{ manifest: built.manifestDigest, config: built.configDigest, tags, diffSizes: final.layers.map((l) => l.diffSize) }]),
      ports.flush(),
    ]);
    for (const o of outputs) await writeOutput(store, image!, o, tags, opts.outputStream);
    if (opts.iidfile) await writeIidFile(opts.iidfile, built.configDigest);
    await recordBuild({
      store, opts, file, text, context: entries ? { entries: await entries, walkStartNs } : undefined, images: resolved, step: result.key,
      manifest: built.manifestDigest, config: built.configDigest, diffSizes: final.layers.map((l) => l.diffSize), events: shown,
    });
    return { id: built.configDigest, tags, upToDate: false };
  });
}
