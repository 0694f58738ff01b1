// Metadata instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME,
// WORKDIR, HEALTHCHECK, SHELL, MAINTAINER) applied to an image config the way docker records them,
// returning BuildKit's history line for the step. Shared by `berth import --change` and the build engine.
import path from 'node:path/posix';
import type { Command, Instruction } from '../dockerfile/instructions/index.ts';
import { expandWord, expandWords, type EnvLookup, type EscapeToken } from '../dockerfile/shell/index.ts';
import type { ContainerConfig, ImageConfig } from '../oci/index.ts';
import { BerthError } from '../util/errors.ts';
import { commandHistory, healthcheckHistory, listHistory, pairsHistory, valueHistory, workdirHistory } from './history.ts';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

export interface ApplyContext {
  escapeToken: EscapeToken;
  /** Extra variables (build ARGs) visible to expansion, under the config's own Env. */
  args?: EnvLookup;
  /** The variables expansion sees, instead of the config's Env over `args` (the build's: ENV and ARG, whichever was set last). */
  lookup?: EnvLookup;
  /** Whether a CMD was set in this build stage or import change set: ENTRYPOINT then keeps it (else it resets an inherited CMD). */
  stage?: { cmdSet: boolean };
  /** BuildKit's dialect (berth build): every CMD sets ArgsEscaped. Without it, docker's classic builder (import --change): none does, on Linux. */
  buildkit?: boolean;
}

function envLookup(cfg: ContainerConfig, ctx: ApplyContext): EnvLookup {
  if (ctx.lookup) return ctx.lookup;
  return (name) => {
    for (const e of cfg.Env ?? []) {
      const eq = e.indexOf('=');
      if ((eq < 0 ? e : e.slice(0, eq)) === name) return eq < 0 ? '' : e.slice(eq + 1);
    }
    return ctx.args?.(name);
  };
}

/** A command as docker stores it: exec form as given, shell form prefixed with the SHELL. */
export function commandArgs(cmd: Command, shell: readonly string[] | null | undefined): string[] {
  return cmd.form === 'exec' ? [...cmd.args] : [...(shell ?? DEFAULT_SHELL), cmd.script];
}

/** A JSON object with its keys in Go's order (encoding/json sorts map keys bytewise), as docker writes them. */
function sortedKeys<T>(obj: Record<string, T>): Record<string, T> {
  const keys = Object.keys(obj).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Object.fromEntries(keys.map((k) => [k, obj[k]!]));
}

export function setEnv(cfg: ContainerConfig, key: string, value: string): void {
  const env = [...(cfg.Env ?? [])];
  const i = env.findIndex((e) => e === key || e.startsWith(key + '='));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  cfg.Env = env;
}

/**
 * Applies one metadata instruction to `image.config` in place; returns its history line (BuildKit's
 * `created_by`), or null for ONBUILD, which BuildKit leaves out of the history.
 */
export function applyMetadata(image: ImageConfig, inst: Instruction, ctx: ApplyContext): string | null {
  const cfg: ContainerConfig = (image.config ??= {});
  // Every word of an instruction is expanded with the variables as they were before it (BuildKit
  // expands the whole instruction, then dispatches it): `ENV A=1 B=$A` gives B the previous A.
  const lookup = envLookup(structuredClone(cfg), ctx);
  const expand = (w: string): string => expandWord(w, lookup, { escapeToken: ctx.escapeToken }).value;
  switch (inst.kind) {
    case 'env': {
      const pairs = inst.pairs.map(({ key, value }) => [expand(key), expand(value)] as const);
      for (const [k, v] of pairs) setEnv(cfg, k, v);
      return pairsHistory('ENV', pairs);
    }
    case 'label': {
      const pairs = inst.pairs.map(({ key, value }) => [expand(key), expand(value)] as const);
      const labels = { ...(cfg.Labels ?? {}) };
      for (const [k, v] of pairs) labels[k] = v;
      cfg.Labels = sortedKeys(labels);
      return pairsHistory('LABEL', pairs);
    }
    case 'maintainer':
      image.author = inst.name;
      return valueHistory('MAINTAINER', inst.name);
    case 'cmd':
      cfg.Cmd = commandArgs(inst.command, cfg.Shell);
      if (ctx.buildkit) cfg.ArgsEscaped = true;
      else delete cfg.ArgsEscaped;
      if (ctx.stage) ctx.stage.cmdSet = true;
      return commandHistory('CMD', cfg.Cmd);
    case 'entrypoint':
      cfg.Entrypoint = commandArgs(inst.command, cfg.Shell);
      // docker resets an inherited CMD when ENTRYPOINT is set (BuildKit leaves the field out then)
      if (!ctx.stage?.cmdSet) {
        if (ctx.buildkit) delete cfg.Cmd;
        else cfg.Cmd = null;
      }
      return commandHistory('ENTRYPOINT', cfg.Entrypoint);
    case 'expose': {
      const ports: string[] = [];
      for (const raw of inst.ports) {
        for (const word of expandWords(raw, lookup, { escapeToken: ctx.escapeToken }).value) {
          const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
          if (!m) throw new BerthError('DOCKERFILE_INSTRUCTION', `invalid EXPOSE port "${word}"`, { range: inst.range, hint: 'use PORT[/tcp|udp|sctp] or a range START-END' });
          const proto = (m[3] ?? 'tcp').toLowerCase();
          const lo = Number(m[1]);
          const hi = m[2] === undefined ? lo : Number(m[2]);
          for (let p = lo; p <= hi; p++) ports.push(`${p}/${proto}`);
        }
      }
      const exposed = { ...(cfg.ExposedPorts ?? {}) };
      for (const p of ports) exposed[p] = {};
      cfg.ExposedPorts = sortedKeys(exposed);
      return listHistory('EXPOSE', ports);
    }
    case 'user':
      cfg.User = expand(inst.user);
      return valueHistory('USER', cfg.User);
    case 'workdir': {
      // An absolute path is kept as written (BuildKit's NormalizeWorkdir: `/a/b/` stays), a relative
      // one is joined to the current directory and cleaned.
      const dir = expand(inst.path);
      cfg.WorkingDir = dir.startsWith('/') ? dir : path.join('/', cfg.WorkingDir || '/', dir);
      return workdirHistory(cfg.WorkingDir);
    }
    case 'volume': {
      const paths = inst.paths.map(expand);
      const volumes: Record<string, object> = { ...(cfg.Volumes ?? {}) };
      for (const p of paths) volumes[p] = {};
      cfg.Volumes = sortedKeys(volumes);
      return listHistory('VOLUME', paths);
    }
    case 'stopsignal':
      cfg.StopSignal = expand(inst.signal);
      return valueHistory('STOPSIGNAL', cfg.StopSignal);
    case 'onbuild':
      cfg.OnBuild = [...(cfg.OnBuild ?? []), inst.trigger];
      return null;
    case 'shell':
      cfg.Shell = [...inst.shell];
      return listHistory('SHELL', cfg.Shell);
    case 'healthcheck': {
      if (inst.test[0] === 'NONE') cfg.Healthcheck = { Test: ['NONE'] };
      else {
        const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: inst.test };
        if (inst.interval !== undefined) hc.Interval = inst.interval;
        if (inst.timeout !== undefined) hc.Timeout = inst.timeout;
        if (inst.startPeriod !== undefined) hc.StartPeriod = inst.startPeriod;
        if (inst.startInterval !== undefined) hc.StartInterval = inst.startInterval;
        if (inst.retries !== undefined) hc.Retries = inst.retries;
        cfg.Healthcheck = hc;
      }
      return healthcheckHistory(inst);
    }
    default:
      throw new BerthError('INVALID_ARGUMENT', `${inst.kind.toUpperCase()} does not change image metadata`, { range: inst.range });
  }
}

export const METADATA_KINDS: ReadonlySet<Instruction['kind']> = new Set([
  'env', 'label', 'maintainer', 'cmd', 'entrypoint', 'expose', 'user', 'workdir', 'volume', 'stopsignal', 'onbuild', 'shell', 'healthcheck',
]);
