// Metadata instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME,
// WORKDIR, HEALTHCHECK, SHELL, MAINTAINER) applied to an image config the way docker records them.
// Shared by `berth import --change` and the build engine.
import path from 'node:path/posix';
import type { Command, Instruction } from '../dockerfile/instructions/index.ts';
import { expandWord, expandWords, type EnvLookup, type EscapeToken } from '../dockerfile/shell/index.ts';
import type { ContainerConfig, ImageConfig } from '../oci/index.ts';
import { BerthError } from '../util/errors.ts';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

export interface ApplyContext {
  escapeToken: EscapeToken;
  /** Extra variables (build ARGs) visible to expansion, under the config's own Env. */
  args?: EnvLookup;
}

function envLookup(cfg: ContainerConfig, ctx: ApplyContext): EnvLookup {
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

export function setEnv(cfg: ContainerConfig, key: string, value: string): void {
  const env = [...(cfg.Env ?? [])];
  const i = env.findIndex((e) => e === key || e.startsWith(key + '='));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  cfg.Env = env;
}

/** Applies one metadata instruction to `image.config` in place. */
export function applyMetadata(image: ImageConfig, inst: Instruction, ctx: ApplyContext): void {
  const cfg: ContainerConfig = (image.config ??= {});
  const expand = (w: string): string => expandWord(w, envLookup(cfg, ctx), { escapeToken: ctx.escapeToken }).value;
  switch (inst.kind) {
    case 'env':
      for (const { key, value } of inst.pairs) setEnv(cfg, expand(key), expand(value));
      return;
    case 'label':
      cfg.Labels = { ...(cfg.Labels ?? {}) };
      for (const { key, value } of inst.pairs) cfg.Labels[expand(key)] = expand(value);
      return;
    case 'maintainer':
      image.author = inst.name;
      return;
    case 'cmd':
      cfg.Cmd = commandArgs(inst.command, cfg.Shell);
      if (inst.command.form === 'shell') cfg.ArgsEscaped = true;
      return;
    case 'entrypoint':
      cfg.Entrypoint = commandArgs(inst.command, cfg.Shell);
      cfg.Cmd = null; // docker resets CMD when ENTRYPOINT is set
      return;
    case 'expose': {
      cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) };
      for (const raw of inst.ports) {
        for (const word of expandWords(raw, envLookup(cfg, ctx), { escapeToken: ctx.escapeToken }).value) {
          const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
          if (!m) throw new BerthError('DOCKERFILE_INSTRUCTION', `invalid EXPOSE port "${word}"`, { range: inst.range, hint: 'use PORT[/tcp|udp|sctp] or a range START-END' });
          const proto = (m[3] ?? 'tcp').toLowerCase();
          const lo = Number(m[1]);
          const hi = m[2] === undefined ? lo : Number(m[2]);
          for (let p = lo; p <= hi; p++) cfg.ExposedPorts[`${p}/${proto}`] = {};
        }
      }
      return;
    }
    case 'user':
      cfg.User = expand(inst.user);
      return;
    case 'workdir': {
      const dir = expand(inst.path);
      cfg.WorkingDir = path.resolve('/', cfg.WorkingDir || '/', dir);
      return;
    }
    case 'volume':
      cfg.Volumes = { ...(cfg.Volumes ?? {}) };
      for (const p of inst.paths) cfg.Volumes[expand(p)] = {};
      return;
    case 'stopsignal':
      cfg.StopSignal = expand(inst.signal);
      return;
    case 'onbuild':
      cfg.OnBuild = [...(cfg.OnBuild ?? []), inst.trigger];
      return;
    case 'shell':
      cfg.Shell = [...inst.shell];
      return;
    case 'healthcheck': {
      if (inst.test[0] === 'NONE') { cfg.Healthcheck = { Test: ['NONE'] }; return; }
      const hc: NonNullable<ContainerConfig['Healthcheck']> = { Test: inst.test };
      if (inst.interval !== undefined) hc.Interval = inst.interval;
      if (inst.timeout !== undefined) hc.Timeout = inst.timeout;
      if (inst.startPeriod !== undefined) hc.StartPeriod = inst.startPeriod;
      if (inst.startInterval !== undefined) hc.StartInterval = inst.startInterval;
      if (inst.retries !== undefined) hc.Retries = inst.retries;
      cfg.Healthcheck = hc;
      return;
    }
    default:
      throw new BerthError('INVALID_ARGUMENT', `${inst.kind.toUpperCase()} does not change image metadata`, { range: inst.range });
  }
}

export const METADATA_KINDS: ReadonlySet<Instruction['kind']> = new Set([
  'env', 'label', 'maintainer', 'cmd', 'entrypoint', 'expose', 'user', 'workdir', 'volume', 'stopsignal', 'onbuild', 'shell', 'healthcheck',
]);
