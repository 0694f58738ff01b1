// The variables a build step sees: the config's ENV (persisted in the image) over the stage's ARGs
// (visible to expansion and to RUN, never persisted), with docker's scoping for global ARGs.
import type { ArgInstruction } from '../dockerfile/instructions/index.ts';
import { expandWord, type EnvLookup, type EscapeToken } from '../dockerfile/shell/index.ts';
import type { ContainerConfig } from '../oci/index.ts';
import { PROXY_ARGS } from '../plan/index.ts';

export class StageVars {
  /** Declared ARGs with a value, in declaration order. */
  readonly args = new Map<string, string>();

  constructor(
    private readonly escapeToken: EscapeToken,
    private readonly globalArgs: ReadonlyMap<string, string | undefined>,
    private readonly buildArgs: ReadonlyMap<string, string | undefined>,
    private readonly predefined: ReadonlyMap<string, string>,
  ) {}

  lookup(cfg: ContainerConfig | null | undefined): EnvLookup {
    return (name) => {
      for (const e of cfg?.Env ?? []) {
        const eq = e.indexOf('=');
        if ((eq < 0 ? e : e.slice(0, eq)) === name) return eq < 0 ? '' : e.slice(eq + 1);
      }
      return this.args.get(name);
    };
  }

  expand(word: string, cfg: ContainerConfig | null | undefined): string {
    return expandWord(word, this.lookup(cfg), { escapeToken: this.escapeToken }).value;
  }

  applyArg(inst: ArgInstruction, cfg: ContainerConfig | null | undefined): void {
    for (const decl of inst.args) {
      let value = this.buildArgs.get(decl.name);
      if (value === undefined && decl.defaultValue !== undefined) value = this.expand(decl.defaultValue, cfg);
      if (value === undefined) value = this.globalArgs.get(decl.name) ?? this.predefined.get(decl.name);
      if (value !== undefined) this.args.set(decl.name, value);
    }
  }

  /** Environment of a RUN step: the image's Env, then ARGs and proxy build args not shadowed by it. */
  runEnv(cfg: ContainerConfig | null | undefined): string[] {
    const env = [...(cfg?.Env ?? [])];
    const has = new Set(env.map((e) => e.split('=')[0]));
    for (const [k, v] of this.args) if (!has.has(k)) env.push(`${k}=${v}`);
    for (const [k, v] of this.buildArgs) if (PROXY_ARGS.has(k) && v !== undefined && !has.has(k) && !this.args.has(k)) env.push(`${k}=${v}`);
    return env;
  }

  /** The ARG values a step depends on (part of its cache key). */
  snapshot(): Array<[string, string]> {
    return [...this.args];
  }
}
