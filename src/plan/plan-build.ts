// Typed instructions → build plan: stages, ARG scoping for FROM lines, stage references (FROM,
// COPY --from, RUN --mount from=), the target, and the set of stages the target needs.
import { BerthError, BerthErrors, type SourceRange } from '../util/errors.ts';
import type { FromInstruction, Instruction } from '../dockerfile/instructions/index.ts';
import { expandWord, type EscapeToken } from '../dockerfile/shell/index.ts';
import { formatPlatform, hostPlatform, parsePlatform, platformArgs, PROXY_ARGS } from './platform.ts';
import { StageEnv } from './stage-env.ts';
import type { BuildPlan, PlanOptions, PlanStage, PlanWarning, SourceRef, StageBase } from './types.ts';

function planError(message: string, range: SourceRange | undefined, hint?: string): BerthError {
  return new BerthError('DOCKERFILE_PLAN', message, { ...(range ? { range } : {}), ...(hint ? { hint } : {}) });
}

interface StageDraft {
  from: FromInstruction;
  steps: Instruction[];
}

export function planBuild(instructions: readonly Instruction[], escapeToken: EscapeToken, options: PlanOptions = {}): BuildPlan {
  const errors: BerthError[] = [];
  const warnings: PlanWarning[] = [];
  const buildArgs = new Map(options.buildArgs instanceof Map ? options.buildArgs : Object.entries(options.buildArgs ?? {}));
  const buildPlatform = hostPlatform();
  const targetPlatform = options.platform ?? buildPlatform;
  const predefined = platformArgs(buildPlatform, targetPlatform);

  // Global ARGs come before the first FROM; anything else there is an error.
  const globalArgs = new Map<string, string | undefined>();
  const globalLookup = (name: string): string | undefined => (globalArgs.has(name) ? globalArgs.get(name) : predefined.get(name));
  const drafts: StageDraft[] = [];
  for (const inst of instructions) {
    if (inst.kind === 'from') { drafts.push({ from: inst, steps: [] }); continue; }
    const stage = drafts[drafts.length - 1];
    if (stage) { stage.steps.push(inst); continue; }
    if (inst.kind !== 'arg') {
      errors.push(planError(`${inst.kind.toUpperCase()} comes before the first FROM: only ARG may come before FROM`, inst.range, 'start the build stage with FROM <image>'));
      continue;
    }
    for (const decl of inst.args) {
      const given = buildArgs.get(decl.name);
      const value = given !== undefined ? given
        : decl.defaultValue !== undefined ? safeExpand(decl.defaultValue, globalLookup, escapeToken, inst.range, errors) : undefined;
      globalArgs.set(decl.name, value);
    }
  }
  if (drafts.length === 0 && errors.length === 0) {
    errors.push(planError('the Dockerfile has no FROM instruction', instructions[0]?.range, 'a build starts with FROM <image> (or FROM scratch)'));
  }

  const stages: PlanStage[] = [];
  const byName = new Map<string, number>();
  drafts.forEach((d) => { if (d.from.stageName !== undefined && !byName.has(d.from.stageName)) byName.set(d.from.stageName, drafts.indexOf(d)); });
  const declaredAnywhere = new Set(globalArgs.keys());

  const resolveRef = (value: string, current: number, range: SourceRange, what: string): SourceRef | undefined => {
    if (/^\d+$/.test(value)) {
      const index = Number(value);
      if (index >= current) {
        errors.push(planError(`${what}=${value} refers to the current or a later build stage`, range, `a stage can only use stages above it (0 to ${current - 1})`));
        return undefined;
      }
      return { kind: 'stage', index };
    }
    const named = byName.get(value.toLowerCase());
    if (named !== undefined) {
      if (named >= current) {
        const where = drafts[named]!.from.range.start.line;
        errors.push(planError(`${what}=${value} refers to ${named === current ? 'its own stage' : `a later stage (line ${where})`}: stages can only use stages above them, so no cycle can form`, range));
        return undefined;
      }
      return { kind: 'stage', index: named };
    }
    return { kind: 'image', ref: value };
  };

  drafts.forEach((draft, index) => {
    const { from } = draft;
    if (from.stageName !== undefined && byName.get(from.stageName) !== index) {
      errors.push(planError(`duplicate stage name "${from.stageName}"`, from.range, `the name is already used by the stage at line ${drafts[byName.get(from.stageName)!]!.from.range.start.line}`));
    }
    let expanded: { value: string; unmatched: Set<string> } = { value: from.image, unmatched: new Set() };
    try { expanded = expandWord(from.image, globalLookup, { escapeToken }); }
    catch (e) { if (e instanceof BerthError) errors.push(new BerthError(e.code, e.message, { range: from.range, cause: e })); else throw e; }
    for (const name of expanded.unmatched) {
      warnings.push({ code: 'UndefinedArgInFrom', message: `FROM uses $${name}, which is not declared as a global ARG before the first FROM`, range: from.range });
    }
    const baseName = expanded.value;
    let base: StageBase = { kind: 'image', ref: baseName };
    if (baseName === '') errors.push(planError('FROM names an empty image (after variable expansion)', from.range));
    else if (baseName.toLowerCase() === 'scratch') base = { kind: 'scratch' };
    else {
      const named = byName.get(baseName.toLowerCase());
      if (named !== undefined && named < index) base = { kind: 'stage', index: named };
      else if (named !== undefined && named > index) {
        errors.push(planError(`FROM ${baseName} refers to a later stage (line ${drafts[named]!.from.range.start.line}): stages can only build on stages above them`, from.range));
      }
    }
    let platform = targetPlatform;
    if (from.platform !== undefined) {
      try { platform = parsePlatform(expandWord(from.platform, globalLookup, { escapeToken }).value); }
      catch (e) { errors.push(planError(`FROM --platform: ${(e as Error).message}`, from.range)); }
    }

    const env = new StageEnv(escapeToken, globalArgs, buildArgs, predefined);
    const sources = new Map<number, SourceRef[]>();
    draft.steps.forEach((step, stepIndex) => {
      try {
        if (step.kind === 'arg') env.applyArg(step);
        else if (step.kind === 'env') env.applyEnv(step);
        const refs: SourceRef[] = [];
        if (step.kind === 'copy' && step.from !== undefined) {
          const r = resolveRef(env.expand(step.from), index, step.range, 'COPY --from');
          if (r) refs.push(r);
        }
        if (step.kind === 'run') {
          for (const m of step.mounts) {
            if (m.from === undefined) continue;
            const r = resolveRef(env.expand(m.from), index, step.range, 'RUN --mount from');
            if (r) refs.push(r);
          }
        }
        if (refs.length) sources.set(stepIndex, refs);
      } catch (e) {
        if (e instanceof BerthError) errors.push(new BerthError(e.code, e.message, { range: step.range, cause: e }));
        else throw e;
      }
    });
    for (const n of env.declared) declaredAnywhere.add(n);

    const deps = new Set<number>();
    if (base.kind === 'stage') deps.add(base.index);
    const sourceImages: string[] = [];
    for (const refs of sources.values()) {
      for (const r of refs) {
        if (r.kind === 'stage') deps.add(r.index);
        else if (!sourceImages.includes(r.ref)) sourceImages.push(r.ref);
      }
    }
    stages.push({
      index, name: from.stageName, from, baseName, base, platform, steps: draft.steps,
      dependsOn: [...deps].sort((a, b) => a - b), sourceImages, sources,
    });
  });

  if (errors.length) throw new BerthErrors(errors);

  let target = stages[stages.length - 1]!;
  if (options.target !== undefined) {
    const i = byName.get(options.target.toLowerCase());
    if (i === undefined) {
      const names = stages.map((s) => s.name).filter((n) => n !== undefined);
      throw new BerthErrors([planError(`target stage "${options.target}" could not be found`, undefined,
        names.length ? `the stages are named: ${names.join(', ')}` : 'no stage has a name: name one with FROM <image> AS <name>')]);
    }
    target = stages[i]!;
  }

  // Dependencies always point to earlier stages, so ascending index order is a valid build order.
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const d of stages[i]!.dependsOn) visit(d);
  };
  visit(target.index);
  const order = [...needed].sort((a, b) => a - b);

  const unused = [...buildArgs.keys()].filter((k) => !declaredAnywhere.has(k) && !PROXY_ARGS.has(k) && !predefined.has(k));
  if (unused.length) {
    warnings.push({ code: 'UnusedBuildArg', message: `one or more build-args [${unused.sort().join(' ')}] were not consumed`, range: undefined });
  }
  predefined.set('TARGETSTAGE', target.name ?? String(target.index));

  return {
    file: options.file ?? 'Dockerfile', escapeToken, stages, target, order, globalArgs, buildArgs,
    buildPlatform, targetPlatform, warnings,
  };
}

function safeExpand(word: string, lookup: (n: string) => string | undefined, escapeToken: EscapeToken, range: SourceRange, errors: BerthError[]): string | undefined {
  try {
    return expandWord(word, lookup, { escapeToken }).value;
  } catch (e) {
    if (!(e instanceof BerthError)) throw e;
    errors.push(new BerthError(e.code, e.message, { range, cause: e }));
    return undefined;
  }
}

export { formatPlatform };
