// A RUN's --mount flags as the step uses them: values expanded with the stage's variables (BuildKit
// expands every field but `from`), targets made absolute against WORKDIR, `from=` tied to the
// stage or image the plan resolved, and what each mount contributes to the step's cache key.
import path from 'node:path';
import { parseMountValue, type DeferredKey, type Mount, type RunInstruction } from '../../dockerfile/instructions/index.ts';
import { BerthError } from '../../util/errors.ts';
import type { StepContext, StepInput } from '../steps/execute.ts';
import type { BuildState } from '../types.ts';

export type MountFrom =
  | { kind: 'context' }
  | { kind: 'state'; state: BuildState; key: string; name: string }
  | { kind: 'none' };

export interface ResolvedMount {
  type: Mount['type'];
  /** Absolute, cleaned container path. */
  target: string;
  /** Cleaned, `/`-rooted path inside `from` ('/' for all of it). */
  source: string;
  readOnly: boolean;
  from: MountFrom;
  /** cache: the cache's id (default: the target as written, cleaned); secret/ssh: the id the build supplies. */
  id: string;
  sharing: Mount['sharing'];
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  size: number | undefined;
  env: string | undefined;
  required: boolean;
  /** What the cache key holds for this mount's content: a context checksum, a stage's key, an image id. */
  identity: string;
}

export async function resolveRunMounts(ctx: StepContext, input: StepInput): Promise<ResolvedMount[]> {
  const inst = input.inst as RunInstruction;
  const cfg = input.state.config.config;
  const expand = (w: string | undefined): string | undefined => (w === undefined ? undefined : ctx.vars.expand(w, cfg));
  const workdir = cfg?.WorkingDir || '/';
  const refs = input.stepIndex >= 0 ? ctx.stage.sources.get(input.stepIndex) ?? [] : [];
  let refIndex = 0;
  const out: ResolvedMount[] = [];
  for (const m of inst.mounts) {
    const fail = (message: string, hint?: string): never => {
      throw new BerthError('BUILD_FAILED', message, { range: inst.range, ...(hint ? { hint } : {}) });
    };
    let from: MountFrom = { kind: 'none' };
    if (m.from !== undefined) {
      const ref = refs[refIndex++];
      if (!ref) fail(`RUN --mount from=${m.from}: the source could not be resolved`);
      if (ref!.kind === 'stage') {
        const r = ctx.results.get(ref!.index);
        if (!r) throw new BerthError('INTERNAL', `stage ${ref!.index} was not built before the stage that mounts it`);
        from = { kind: 'state', state: r.state, key: r.key, name: m.from };
      } else {
        const img = await ctx.deps.resolveImage(ref!.ref);
        from = { kind: 'state', state: { config: img.config, layers: img.layers }, key: `image:${img.id}`, name: m.from };
      }
    } else if (m.type === 'bind') {
      from = { kind: 'context' };
    }
    const rawTarget = expand(m.target) ?? '';
    let target = '';
    if (rawTarget !== '') {
      target = path.posix.resolve('/', workdir, rawTarget);
      if (target === '/') fail(`RUN --mount: invalid mount target "${rawTarget}"`, 'a mount cannot cover the whole root filesystem');
    }
    const source = path.posix.join('/', expand(m.source) ?? '');
    const id = m.type === 'cache' ? path.posix.normalize(expand(m.id) ?? rawTarget) : expand(m.id) ?? '';
    let identity = '';
    if (from.kind === 'state') identity = `${from.key}:${source}`;
    else if (from.kind === 'context') {
      identity = await ctx.deps.contextMount.checksum(source).catch((e: unknown) => {
        throw new BerthError('BUILD_FAILED', `RUN --mount=type=bind: ${source} cannot be read from the build context: ${(e as Error).message}`, {
          cause: e, range: inst.range, hint: 'source is a path in the build context (after .dockerignore)',
        });
      });
    }
    // Values with variables (uid=$UID) are parsed now that they are expanded.
    const typed: Partial<Mount> = {};
    for (const [key, raw] of Object.entries(m.deferred ?? {}) as Array<[DeferredKey, string]>) Object.assign(typed, parseMountValue(key, expand(raw)!, inst.range));
    const t = { ...m, ...typed };
    out.push({
      type: m.type, target, source, readOnly: m.readOnly, from, id, sharing: t.sharing,
      mode: t.mode, uid: t.uid, gid: t.gid, size: t.size, env: expand(m.env), required: m.required, identity,
    });
  }
  return out;
}

/** The part of the step's cache key a mount makes: its options and its content's identity, never a secret's value or a cache's contents. */
export function mountKeyParts(mounts: readonly ResolvedMount[]): unknown[] {
  return mounts.map((m) => [m.type, m.target, m.source, m.readOnly, m.id, m.sharing, m.mode ?? null, m.uid ?? null, m.gid ?? null, m.size ?? null, m.env ?? null, m.required, m.identity]);
}
