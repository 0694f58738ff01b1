// The variables a build step sees, as BuildKit keeps them: one environment that ENV and ARG both
// write, the later write winning (`ENV X=1` then `ARG X=2` gives RUN X=2, while the image config
// keeps X=1), with docker's scoping for global ARGs. ARG values are never persisted in the config.
import type { ArgInstruction } from '../dockerfile/instructions/index.ts';
import { expandWord, type EnvLookup, type EscapeToken } from '../dockerfile/shell/index.ts';
import type { ContainerConfig } from '../oci/index.ts';
import { PROXY_ARGS } from '../plan/index.ts';
import { argHistory } from './history.ts';

export class StageVars {
  /** Declared ARGs with a value, in declaration order. */
  readonly args = new Map<string, string>();
  /** Every ARG the stage declared (its base stage's first), with or without a value: RUN's history lists them. */
  private readonly declared: string[] = [];
  /** ARGs set after any ENV of the same name: they win over the config's Env. */
  private readonly argWins = new Set<string>();
  /** Whether a CMD was set in this stage (ENTRYPOINT then keeps it). */
  readonly stage = { cmdSet: false };

  constructor(
    private readonly escapeToken: EscapeToken,
    private readonly globalArgs: ReadonlyMap<string, string | undefined>,
    private readonly buildArgs: ReadonlyMap<string, string | undefined>,
    private readonly predefined: ReadonlyMap<string, string>,
  ) {}

  /** A stage built FROM another stage starts with that stage's ARGs (BuildKit carries its state and build args over). */
  inherit(base: StageVars): void {
    for (const [k, v] of base.args) this.args.set(k, v);
    this.declared.push(...base.declared);
    for (const k of base.argWins) this.argWins.add(k);
  }

  private envValue(cfg: ContainerConfig | null | undefined, name: string): string | undefined {
    for (const e of cfg?.Env ?? []) {
      const eq = e.indexOf('=');
      if ((eq < 0 ? e : e.slice(0, eq)) === name) return eq < 0 ? '' : e.slice(eq + 1);
    }
    return undefined;
  }

  lookup(cfg: ContainerConfig | null | undefined): EnvLookup {
    return (name) => (this.argWins.has(name) ? this.args.get(name) : this.envValue(cfg, name) ?? this.args.get(name));
  }

  expand(word: string, cfg: ContainerConfig | null | undefined): string {
    return expandWord(word, this.lookup(cfg), { escapeToken: this.escapeToken }).value;
  }

  /** Declares the ARGs; returns BuildKit's history line (each with the value it took: --build-arg, default, or global). */
  applyArg(inst: ArgInstruction, cfg: ContainerConfig | null | undefined): string {
    const shown: Array<[string, string | undefined]> = [];
    for (const decl of inst.args) {
      let value = this.buildArgs.get(decl.name);
      if (value === undefined && decl.defaultValue !== undefined) value = this.expand(decl.defaultValue, cfg);
      if (value === undefined) value = this.globalArgs.get(decl.name) ?? this.predefined.get(decl.name);
      if (value !== undefined) {
        this.args.set(decl.name, value);
        this.argWins.add(decl.name);
      }
      this.declared.push(decl.name);
      shown.push([decl.name, value]);
    }
    return argHistory(shown);
  }

  /** An ENV step set these names: from now on the config's value wins over an ARG of the same name. */
  envSet(names: Iterable<string>): void {
    for (const n of names) this.argWins.delete(n);
  }

  /** Environment of a RUN step: the image's Env (ARGs set after it win), then other ARGs and proxy build args. */
  runEnv(cfg: ContainerConfig | null | undefined): string[] {
    const env = (cfg?.Env ?? []).map((e) => {
      const k = e.split('=')[0]!;
      return this.argWins.has(k) && this.args.has(k) ? `${k}=${this.args.get(k)}` : e;
    });
    const has = new Set(env.map((e) => e.split('=')[0]));
    for (const [k, v] of this.args) if (!has.has(k)) env.push(`${k}=${v}`);
    for (const [k, v] of this.buildArgs) if (PROXY_ARGS.has(k) && v !== undefined && !has.has(k) && !this.args.has(k)) env.push(`${k}=${v}`);
    return env;
  }

  /** RUN's history prefix: each declared ARG once, at its first declaration, with the value the step sees ('' when none). */
  historyArgs(cfg: ContainerConfig | null | undefined): Array<[string, string]> {
    const look = this.lookup(cfg);
    return [...new Set(this.declared)].map((k) => [k, look(k) ?? '']);
  }

  /** The ARG values a step depends on (part of its cache key). */
  snapshot(): Array<[string, string]> {
    return [...this.args];
  }
}
