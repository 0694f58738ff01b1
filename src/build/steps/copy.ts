// COPY and ADD: files from the context, another stage or an image, written over the stacked layers.
import { mkdir, rm } from 'node:fs/promises';
import type { AddInstruction, CopyInstruction } from '../../dockerfile/instructions/index.ts';
import { prepareSnapshot } from '../../snapshot/index.ts';
import { tempName } from '../../util/atomic-file.ts';
import { BerthError } from '../../util/errors.ts';
import { runFsStep } from '../fs-step.ts';
import { copyHistory } from '../history.ts';
import type { BuildState, CopyRequest } from '../types.ts';
import { resolveChown } from '../user-lookup.ts';
import type { FsStepPlan, StepContext, StepInput } from './execute.ts';

/** A read view of another stage's or image's filesystem, for the duration of `fn`. */
async function withSourceRoot<T>(ctx: StepContext, state: BuildState, fn: (dir: string) => Promise<T>): Promise<T> {
  const store = ctx.deps.store;
  const work = tempName(store.layout.tmpDir, 'from');
  await mkdir(work, { recursive: true });
  try {
    const lowers: string[] = [];
    for (const l of state.layers) lowers.push(await store.snapshots.ensure(l.diffId, l.digest));
    const snap = await prepareSnapshot(work, lowers);
    try { return await fn(snap.root); } finally { await snap.release(); }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function copyStep(ctx: StepContext, input: StepInput): Promise<FsStepPlan> {
  const inst = input.inst as CopyInstruction | AddInstruction;
  const cfg = input.state.config.config;
  const expand = (w: string): string => ctx.vars.expand(w, cfg);
  const sources = inst.sources.map(expand);
  const dest = expand(inst.dest);
  const workdir = cfg?.WorkingDir || '/';
  const chownSpec = inst.chown === undefined ? undefined : expand(inst.chown);
  // --chmod takes variables too (BuildKit expands it with the other words of the instruction).
  const chmod = inst.chmod === undefined ? undefined : expand(inst.chmod);
  const copied = chmod === inst.chmod ? inst : { ...inst, chmod };

  // Where the files come from, and what identifies that content for the cache key.
  let source: { state: BuildState; key: string } | undefined;
  const ref = input.stepIndex >= 0 ? ctx.stage.sources.get(input.stepIndex)?.[0] : undefined;
  if (inst.kind === 'copy' && inst.from !== undefined) {
    if (!ref) throw new BerthError('BUILD_FAILED', `COPY --from=${inst.from}: the source could not be resolved`, { range: inst.range });
    if (ref.kind === 'stage') {
      const r = ctx.results.get(ref.index);
      if (!r) throw new BerthError('INTERNAL', `stage ${ref.index} was not built before the stage that copies from it`);
      source = { state: r.state, key: r.key };
    } else {
      const img = await ctx.deps.resolveImage(ref.ref);
      source = { state: { config: img.config, layers: img.layers }, key: `image:${img.id}` };
    }
  }
  const request = (destRoot: string, from: CopyRequest['from'], chown?: { uid: number; gid: number }): CopyRequest => ({
    instruction: copied, sources, dest, workdir, destRoot, from, chown,
  });
  const identity = source ? source.key : await ctx.deps.checksum(request('', { kind: 'context' }));
  return {
    keyParts: [sources, dest, workdir, chownSpec ?? '', chmod ?? '', inst.link, inst.parents, inst.excludes, identity],
    run: async () => {
      const layer = await runFsStep(ctx.deps.store, input.state, async (root) => {
        const chown = chownSpec === undefined ? undefined : await resolveChown(root, chownSpec);
        if (source) await withSourceRoot(ctx, source.state, (dir) => ctx.deps.copyFiles(request(root, { kind: 'dir', dir }, chown)));
        else await ctx.deps.copyFiles(request(root, { kind: 'context' }, chown));
      });
      return { layer, createdBy: copyHistory(inst, { sources, dest, chown: chownSpec, chmod }) };
    },
  };
}

