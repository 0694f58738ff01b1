// Typed instructions → build plan: stages, ARG scoping for FROM lines, stage references (FROM,
// COPY --from, RUN --mount from=), the target, and the set of stages the target needs.
import { BerthError, BerthErrors, type SourceRange } from '../util/errors.ts';
import { suggest, type FromInstruction, type Instruction } from '../dockerfile/instructions/index.ts';
import { expandWord, type EscapeToken } from '../dockerfile/shell/index.ts';
import { formatPlatform, hostPlatform, parsePlatform, platformArgs, PROXY_ARGS } from './platform.ts';
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
  // As BuildKit: TARGETSTAGE is the target's name (the last stage's when no target is given, "default"
  // when that has none), and --build-arg can override any of these predefined values.
  const lastFrom = instructions.findLast((i): i is FromInstruction => i.kind === 'from');
  predefined.set('TARGETSTAGE', options.target ?? lastFrom?.stageName ?? 'default');
  for (const name of predefined.keys()) {
    const given = buildArgs.get(name);
    if (given !== undefined) predefined.set(name, given);
  }

  // Global ARGs come before the first FROM; anything else there is an error. An ARG that gets no
  // value (no default, no --build-arg) keeps the value the name already had: an earlier global
  // ARG's, or the predefined platform value.
  const globalArgs = new Map<string, string | undefined>();
  const globalLookup = (name: string): string | undefined => globalArgs.get(name) ?? predefined.get(name);
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
        : decl.defaultValue !== undefined ? safeExpand(decl.defaultValue, globalLookup, escapeToken, inst.range, errors) : globalLookup(decl.name);
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

  const namedContexts = options.namedContexts ?? new Set<string>();
  const resolveRef = (value: string, current: number, range: SourceRange, what: string): SourceRef | undefined => {
    if (namedContexts.has(value)) return { kind: 'image', ref: value };
    if (/^\d+$/.test(value)) {
      const index = Number(value);
      if (index >= current) {
        errors.push(planError(`${what}=${value} refers to the current or a later build stage`, range,
          current === 0 ? 'the first stage has no earlier stage to use' : `a stage can only use stages above it (0 to ${current - 1})`));
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

  // Expands a FROM image or --platform with the global ARGs; warns (as BuildKit's UndefinedArgInFrom)
  // about names that are neither global ARGs nor predefined. undefined after an expansion error.
  const declaredGlobally = [...new Set([...globalArgs.keys(), ...predefined.keys()])];
  const expandFrom = (word: string, from: FromInstruction): string | undefined => {
    try {
      const r = expandWord(word, globalLookup, { escapeToken });
      for (const name of r.unmatched) {
        if (declaredGlobally.includes(name)) continue;
        const guess = suggest(name, declaredGlobally, { caseSensitive: true });
        warnings.push({
          code: 'UndefinedArgInFrom', range: from.range,
          message: `FROM argument '${name}' is not declared${guess ? ` (did you mean ${guess}?)` : ''}`,
        });
      }
      return r.value;
    } catch (e) {
      if (!(e instanceof BerthError)) throw e;
      errors.push(new BerthError(e.code, e.message, { range: from.range, cause: e }));
      return undefined;
    }
  };
  // Docker rejects --from values that variable expansion would change (`$X`, `${X}`, escapes).
  const literalFrom = (value: string, range: SourceRange): boolean => {
    let expanded: string | undefined;
    try { expanded = expandWord(value, () => undefined, { escapeToken }).value; } catch { expanded = undefined; }
    if (expanded === value) return true;
    errors.push(planError('variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround', range,
      `declare the ARG before the first FROM, add FROM \${ARG} AS alias and use COPY --from=alias`));
    return false;
  };

  drafts.forEach((draft, index) => {
    const { from } = draft;
    if (from.stageName !== undefined && byName.get(from.stageName) !== index) {
      errors.push(planError(`duplicate stage name "${from.stageName}"`, from.range, `the name is already used by the stage at line ${drafts[byName.get(from.stageName)!]!.from.range.start.line}`));
    }
    const baseName = expandFrom(from.image, from) ?? from.image;
    let base: StageBase = { kind: 'image', ref: baseName };
    if (baseName === '') errors.push(planError('FROM names an empty image (after variable expansion)', from.range));
    else if (namedContexts.has(baseName)) base = { kind: 'image', ref: baseName };
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
      const text = expandFrom(from.platform, from);
      if (text !== undefined) {
        try { platform = parsePlatform(text); }
        catch (e) { errors.push(planError(`FROM --platform: ${(e as Error).message}`, from.range)); }
      }
    }

    // The stages a step reads are known before any variable is: like docker, berth takes --from
    // and from= literally (RUN --mount from= with a variable is already rejected by the parser).
    const sources = new Map<number, SourceRef[]>();
    draft.steps.forEach((step, stepIndex) => {
      if (step.kind === 'arg') for (const d of step.args) declaredAnywhere.add(d.name);
      const refs: SourceRef[] = [];
      if (step.kind === 'copy' && step.from !== undefined && literalFrom(step.from, step.range)) {
        const r = resolveRef(step.from, index, step.range, 'COPY --from');
        if (r) refs.push(r);
      }
      if (step.kind === 'run') {
        for (const m of step.mounts) {
          if (m.from === undefined) continue;
          const r = resolveRef(m.from, index, step.range, 'RUN --mount from');
          if (r) refs.push(r);
        }
      }
      if (refs.length) sources.set(stepIndex, refs);
    });

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

  if (errors.length) throw new BerthErrors(errors.sort((a, b) => (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0)));

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

  // SOURCE_DATE_EPOCH is read by the build itself (created times, file times), declared or not.
  const unused = [...buildArgs.keys()].filter((k) => !declaredAnywhere.has(k) && !PROXY_ARGS.has(k) && !predefined.has(k) && k !== 'SOURCE_DATE_EPOCH');
  if (unused.length) {
    warnings.push({ code: 'UnusedBuildArg', message: `one or more build-args [${unused.sort().join(' ')}] were not consumed`, range: undefined });
  }

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
