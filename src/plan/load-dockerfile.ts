// Dockerfile text → build plan in one call: parse, convert, plan; every error is given the file name
// and the offending source lines so that the CLI can show them.
import { BerthError, BerthErrors } from '../util/errors.ts';
import { convertTree } from '../dockerfile/instructions/index.ts';
import { parseDockerfile, type Diagnostic, type DockerfileTree } from '../dockerfile/syntax/index.ts';
import { planBuild } from './plan-build.ts';
import type { BuildPlan, PlanOptions, PlanWarning } from './types.ts';

export interface LoadedDockerfile {
  tree: DockerfileTree;
  plan: BuildPlan;
  /** Parser warnings and plan warnings, positioned. */
  warnings: PlanWarning[];
}

const MAX_EXCERPT_LINES = 6;

/** The source lines an error points at (at most a few), for display under the message. */
export function excerptOf(lines: readonly string[], e: BerthError): string | undefined {
  if (!e.range) return undefined;
  const first = e.range.start.line;
  const last = Math.min(Math.max(e.range.end.line, first), first + MAX_EXCERPT_LINES - 1, lines.length);
  return lines.slice(first - 1, last).join('\n');
}

function decorate(file: string, lines: readonly string[], e: BerthError): BerthError {
  const excerpt = excerptOf(lines, e);
  return new BerthError(e.code, e.message, {
    file, cause: e.cause,
    ...(e.range ? { range: e.range } : {}), ...(e.hint ? { hint: e.hint } : {}), ...(excerpt !== undefined ? { excerpt } : {}),
  });
}

function fromDiagnostic(d: Diagnostic): BerthError {
  const code = d.code === 'empty-dockerfile' ? 'DOCKERFILE_EMPTY' : 'DOCKERFILE_SYNTAX';
  return new BerthError(code, d.message, { range: d.range });
}

/** Parses and plans; throws BerthErrors holding every problem found, each with file, range and excerpt. */
export function loadDockerfile(text: string, options: PlanOptions = {}): LoadedDockerfile {
  const file = options.file ?? 'Dockerfile';
  const { tree, diagnostics } = parseDockerfile(text);
  const fail = (errors: readonly BerthError[]): never => {
    throw new BerthErrors(errors.map((e) => decorate(file, tree.lines, e)));
  };
  const syntaxErrors = diagnostics.filter((d) => d.severity === 'error').map(fromDiagnostic);
  const converted = convertTree(tree);
  // A line the parser already refused gets no second, contradicting error from the typed pass
  // (`ENV A`: "must have two arguments", then "requires at least one argument" for its empty args).
  const refused = new Set(syntaxErrors.flatMap((e) => (e.range ? [e.range.start.line] : [])));
  const typed = converted.errors.filter((e) => !e.range || !refused.has(e.range.start.line));
  const errors = [...syntaxErrors, ...typed].sort((a, b) => (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0));
  if (errors.length) fail(errors);
  let plan: BuildPlan;
  try {
    plan = planBuild(converted.instructions, tree.escapeToken, { ...options, file });
  } catch (e) {
    if (e instanceof BerthErrors) return fail(e.errors);
    throw e;
  }
  const warnings: PlanWarning[] = [
    ...diagnostics.filter((d) => d.severity === 'warning').map((d) => ({ code: d.code, message: d.message, range: d.range })),
    ...plan.warnings,
  ];
  return { tree, plan, warnings };
}
