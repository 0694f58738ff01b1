// COPY and ADD: files from the context, another stage or an image, heredocs and (ADD) git
// repositories, written over the stacked layers — or, with --link, into an empty directory whose
// layer is reused on top of whatever base the step lands on next time.
import { rm } from 'node:fs/promises';
import type { AddInstruction, CopyInstruction } from '../../dockerfile/instructions/index.ts';
import { prepareSnapshot } from '../../snapshot/index.ts';
import { tempName } from '../../util/atomic-file.ts';
import { BerthError } from '../../util/errors.ts';
import { stepKey } from '../cache-key.ts';
import { parseDest } from '../copy/index.ts';
import { runFsStep } from '../fs-step.ts';
import { splitHeredocSources } from '../heredoc.ts';
import { copyHistory } from '../history.ts';
import type { BuildState, CopyRequest, LayerRef } from '../types.ts';
import { resolveChown } from '../user-lookup.ts';
import { gitSources, stageGitSource, stageInlineFiles, withTempDir } from './copy-extra-sources.ts';
import { fetchUrlSource } from '../url-source.ts';
import type { FsStepPlan, StepContext, StepInput } from './execute.ts';
import { makeDirs } from '../../util/make-dirs.ts';

/** A read view of another stage's or image's filesystem, for the duration of `fn`. */
async function withSourceRoot<T>(ctx: StepContext, state: BuildState, fn: (dir: string) => Promise<T>): Promise<T> {
  const store = ctx.deps.store;
  const work = tempName(store.layout.tmpDir, 'from');
  await makeDirs(work);
  try {
    const lowers: string[] = [];
    for (const l of state.layers) lowers.push(await store.snapshots.ensure(l.diffId, l.digest));
    const snap = await prepareSnapshot(work, lowers);
    try { return await fn(snap.root); } finally { await snap.release(); }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Where a COPY --from reads: an earlier stage's result or an image, with what identifies its content. */
async function fromSource(ctx: StepContext, input: StepInput, inst: CopyInstruction | AddInstruction): Promise<{ state: BuildState; key: string } | undefined> {
  if (inst.kind !== 'copy' || inst.from === undefined) return undefined;
  const ref = input.stepIndex >= 0 ? ctx.stage.sources.get(input.stepIndex)?.[0] : undefined;
  if (!ref) throw new BerthError('BUILD_FAILED', `COPY --from=${inst.from}: the source could not be resolved`, { range: inst.range });
  if (ref.kind === 'stage') {
    const r = ctx.results.get(ref.index);
    if (!r) throw new BerthError('INTERNAL', `stage ${ref.index} was not built before the stage that copies from it`);
    return { state: r.state, key: r.key };
  }
  const img = await ctx.deps.resolveImage(ref.ref);
  return { state: { config: img.config, layers: img.layers }, key: `image:${img.id}` };
}

export async function copyStep(ctx: StepContext, input: StepInput): Promise<FsStepPlan> {
  const inst = input.inst as CopyInstruction | AddInstruction;
  const cfg = input.state.config.config;
  const expand = (w: string): string => ctx.vars.expand(w, cfg);
  const store = ctx.deps.store;
  const signal = ctx.req.signal;
  const inline = splitHeredocSources(inst, ctx.vars.lookup(cfg));
  const dest = expand(inst.dest);
  const workdir = cfg?.WorkingDir || '/';
  const chownSpec = inst.chown === undefined ? undefined : expand(inst.chown);
  // A --chown name (not uid[:gid]) is looked up in the image's /etc/passwd and /etc/group.
  const namedOwner = chownSpec !== undefined && !/^\d+(:\d+)?$/.test(chownSpec);
  // --chmod takes variables too (BuildKit expands it with the other words of the instruction).
  const chmod = inst.chmod === undefined ? undefined : expand(inst.chmod);
  const copied = chmod === inst.chmod ? inst : { ...inst, chmod };
  const checksum = inst.kind === 'add' && inst.checksum !== undefined ? expand(inst.checksum) : undefined;
  const keepGitDir = inst.kind === 'add' && inst.keepGitDir;
  const expanded = inline.paths.map(expand);
  const { paths: sources, git, urls } = await gitSources(inst.kind, expanded, checksum, signal);
  if (urls.length > 0 && checksum !== undefined && sources.length + git.length + urls.length > 1) {
    throw new BerthError('INVALID_ARGUMENT', 'ADD --checksum needs a single source', { range: inst.range });
  }
  // Downloaded now: the content's digest is part of the step's key (removed after the step, or at exit).
  const downloads = await Promise.all(urls.map((u) => fetchUrlSource(u, store.layout.tmpDir, checksum, signal)));
  const total = sources.length + git.length + downloads.length + inline.files.length;
  if (total > 1 && sources.length < total && !parseDest(dest, workdir).dirSyntax) {
    throw new BerthError('INVALID_ARGUMENT', `When using ${inst.kind.toUpperCase()} with more than one source file, the destination must be a directory and end with a /`, { range: inst.range });
  }

  const source = await fromSource(ctx, input, inst);
  const request = (destRoot: string, from: CopyRequest['from'], chown: { uid: number; gid: number } | undefined, paths = sources, instruction: CopyInstruction | AddInstruction = copied): CopyRequest => ({
    instruction, sources: paths, dest, workdir, destRoot, from, chown,
  });
  // What the step reads, for its key: the paths' content checksum (or the source stage's key), each
  // git source's commit, each heredoc's body.
  const pathsIdentity = sources.length === 0 ? null : source ? source.key : await ctx.deps.checksum(request('', { kind: 'context' }, undefined));
  const identity = [pathsIdentity, git.map((g) => [g.ref.remote, g.commit, g.ref.subdir, keepGitDir]), inline.files, ...(downloads.length ? [downloads.map((d) => [d.url, d.name, d.digest])] : [])];
  const keyParts = [sources, dest, workdir, chownSpec ?? '', chmod ?? '', inst.link, inst.parents, inst.excludes, identity];
  const createdBy = copyHistory(inst, { sources: expanded, dest, chown: chownSpec, chmod });

  /** Writes every source into `root`. */
  const writeAll = async (root: string, chown: { uid: number; gid: number } | undefined): Promise<void> => {
    if (sources.length > 0) {
      if (source) await withSourceRoot(ctx, source.state, (dir) => ctx.deps.copyFiles(request(root, { kind: 'dir', dir }, chown)));
      else await ctx.deps.copyFiles(request(root, { kind: 'context' }, chown));
    }
    for (const g of git) {
      await withTempDir(store.layout.tmpDir, 'git', async (tmp) => {
        const dir = await stageGitSource(tmp, g, keepGitDir, signal);
        await ctx.deps.copyFiles(request(root, { kind: 'dir', dir }, chown, ['/']));
      });
    }
    for (const d of downloads) {
      // A downloaded file is copied as it is: ADD never extracts what it fetched.
      await ctx.deps.copyFiles(request(root, { kind: 'dir', dir: d.dir }, chown, [d.name], { ...copied, kind: 'copy', from: undefined }));
    }
    if (inline.files.length > 0) {
      await withTempDir(store.layout.tmpDir, 'heredoc', async (dir) => {
        const names = await stageInlineFiles(dir, inline.files);
        // BuildKit copies a heredoc's file as it is: an ADD never extracts it.
        const asCopy: CopyInstruction = { ...copied, kind: 'copy', from: undefined };
        await ctx.deps.copyFiles(request(root, { kind: 'dir', dir }, chown, names, asCopy));
      });
    }
  };

  // BuildKit links only without --chmod (dispatchCopy: `cfg.link && cfg.chmod == ""`).
  const link = inst.link && !chmod;
  return {
    keyParts,
    run: () => runPlan().finally(() => { for (const d of downloads) d.dispose(); }),
  };

  async function runPlan(): Promise<{ layer: LayerRef | null; createdBy: string; reused?: boolean }> {
    if (!link) {
      // Without a --chown name to look up in the image, a COPY reads nothing of the parent's
      // filesystem but the destination path: where that is new, no overlay mount is needed.
      const layer = await runFsStep(store, input.state, async (root) => {
        await writeAll(root, chownSpec === undefined ? undefined : await resolveChown(root, chownSpec));
      }, namedOwner ? {} : { writesOnlyAt: parseDest(dest, workdir).parts });
      return { layer, createdBy };
    }
    // --link: the layer is the copy into an empty directory, keyed without the parent, so a new
    // base reuses it as it is (BuildKit's copy into scratch, merged onto the base). What differs
    // from a plain COPY, as in BuildKit: nothing of the base is consulted, so a symlink among the
    // destination's parents is not followed (the layer's real directory hides it), a destination
    // without a trailing slash is a file even where the base has a directory, and the parents
    // the copy creates (0755, or the --chown owner) replace the base's in the image. A --chown
    // name is still looked up in the parent's /etc/passwd (the resolved ids are in the key).
    const chown = chownSpec === undefined ? undefined
      : namedOwner ? await withSourceRoot(ctx, input.state, (root) => resolveChown(root, chownSpec)) : await resolveChown('/nonexistent', chownSpec);
    const linkKey = stepKey('copy-link', inst.kind, keyParts, chown ?? null);
    if (!ctx.req.noCache) {
      const hit = await input.cache.get(linkKey);
      const layer: LayerRef | null = hit?.state.layers[0] ?? null;
      if (hit && (!layer || (await store.blobs.has(layer.digest)))) return { layer, createdBy, reused: true };
    }
    const empty: BuildState = { config: input.state.config, layers: [] };
    const layer = await runFsStep(store, empty, (root) => writeAll(root, chown));
    await input.cache.put(linkKey, { state: { config: input.state.config, layers: layer ? [layer] : [] } });
    return { layer, createdBy };
  }
}
