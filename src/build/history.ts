// How each instruction is recorded in the image history (`created_by`), in the wording of the current
// BuildKit Dockerfile frontend (dockerfile2llb: commitToHistory and the dispatch* functions), so
// `berth history` and `docker history` read the same. Values are the expanded ones BuildKit records.
import type { AddInstruction, CopyInstruction, HealthcheckInstruction } from '../dockerfile/instructions/index.ts';
import { goDuration, goList, goQuoteList } from './go-format.ts';

export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/** Steps that add a layer end with this mark (commitToHistory with a state). */
const LAYER_MARK = ' # buildkit';

/**
 * RUN: `RUN |2 A=1 B=2 /bin/sh -c …`: every ARG the stage declared so far (one entry per name, at its
 * first declaration, with its current value), then the command.
 */
export function runHistory(args: readonly string[], declaredArgs: ReadonlyArray<readonly [string, string]>): string {
  const prefix = declaredArgs.length ? [`|${declaredArgs.length}`, ...declaredArgs.map(([k, v]) => `${k}=${v}`)] : [];
  return `RUN ${[...prefix, ...args].join(' ')}${LAYER_MARK}`;
}

/** COPY/ADD: the name, --parents, --chown and --chmod as given (expanded), the sources, heredoc names, the destination. */
export function copyHistory(inst: CopyInstruction | AddInstruction, expanded: { sources: readonly string[]; dest: string; chown: string | undefined; chmod: string | undefined }): string {
  const parts = [inst.kind === 'add' ? 'ADD' : 'COPY'];
  if (inst.parents) parts.push('--parents');
  if (expanded.chown) parts.push(`--chown=${expanded.chown}`);
  if (expanded.chmod) parts.push(`--chmod=${expanded.chmod}`);
  const names = new Set(inst.heredocs.map((h) => h.name));
  const inline = (s: string): boolean => {
    const m = /^<<-?(["']?)(.*)\1$/.exec(s);
    return m !== null && names.has(m[2]!);
  };
  parts.push(...expanded.sources.filter((s) => !inline(s)));
  for (const h of inst.heredocs) parts.push(`<<${h.name}`);
  parts.push(expanded.dest);
  return parts.join(' ') + LAYER_MARK;
}

export function workdirHistory(dir: string): string {
  return `WORKDIR ${dir}`;
}

/** `ENV k=v …` / `LABEL k=v …` / `ARG k=v k …`. */
export function pairsHistory(name: 'ENV' | 'LABEL', pairs: ReadonlyArray<readonly [string, string]>): string {
  return `${name} ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

export function argHistory(decls: ReadonlyArray<readonly [string, string | undefined]>): string {
  return `ARG ${decls.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join(' ')}`;
}

export function commandHistory(name: 'CMD' | 'ENTRYPOINT', args: readonly string[]): string {
  return `${name} ${goQuoteList(args)}`;
}

export function listHistory(name: 'SHELL' | 'VOLUME' | 'EXPOSE', list: readonly string[]): string {
  return `${name} ${goList(list)}`;
}

/** `HEALTHCHECK {Test:[CMD-SHELL curl -f x] Interval:30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}` (fmt's %+v of the config). */
export function healthcheckHistory(inst: HealthcheckInstruction): string {
  const d = (ns: number | undefined): string => goDuration(ns ?? 0);
  const none = inst.test[0] === 'NONE';
  const n = (v: number | undefined): number | undefined => (none ? undefined : v);
  return `HEALTHCHECK {Test:${goList(inst.test)} Interval:${d(n(inst.interval))} Timeout:${d(n(inst.timeout))} StartPeriod:${d(n(inst.startPeriod))} StartInterval:${d(n(inst.startInterval))} Retries:${n(inst.retries) ?? 0}}`;
}

/** USER, STOPSIGNAL, MAINTAINER: the name and the (expanded) value. */
export function valueHistory(name: 'USER' | 'STOPSIGNAL' | 'MAINTAINER', value: string): string {
  return `${name} ${value}`;
}
