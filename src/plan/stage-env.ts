// The variables a stage sees at each point of the build: its ARGs (with --build-arg overrides, the
// global values and the platform ARGs) and its ENVs. As in BuildKit both write one environment and
// the later instruction wins: an ENV after an ARG overrides it (the documented "ENV overrides ARG"),
// an ARG with a value after an ENV overrides that, and an ARG that gets no value changes nothing.
import type { ArgInstruction, EnvInstruction } from '../dockerfile/instructions/index.ts';
import { expandWord, type EnvLookup, type EscapeToken } from '../dockerfile/shell/index.ts';

export class StageEnv {
  private readonly vars: Map<string, string>;
  /** Names of the ARGs declared in this stage so far. */
  readonly declared = new Set<string>();

  /**
   * `globalArgs` are the values of the ARGs before the first FROM, `predefined` the platform ARGs;
   * a stage only sees either after declaring the name with ARG. `inherited` is the environment the
   * stage starts with (its base image's or base stage's).
   */
  constructor(
    private readonly escapeToken: EscapeToken,
    private readonly globalArgs: ReadonlyMap<string, string | undefined>,
    private readonly buildArgs: ReadonlyMap<string, string | undefined>,
    private readonly predefined: ReadonlyMap<string, string>,
    inherited: Iterable<readonly [string, string]> = [],
  ) {
    this.vars = new Map(inherited);
  }

  readonly lookup: EnvLookup = (name) => this.vars.get(name);

  /** The variables currently set, in the order they were first set. */
  variables(): Map<string, string> {
    return new Map(this.vars);
  }

  expand(word: string): string {
    return expandWord(word, this.lookup, { escapeToken: this.escapeToken }).value;
  }

  applyArg(inst: ArgInstruction): void {
    for (const decl of inst.args) {
      this.declared.add(decl.name);
      let value: string | undefined;
      if (this.buildArgs.get(decl.name) !== undefined) value = this.buildArgs.get(decl.name);
      else if (decl.defaultValue !== undefined) value = this.expand(decl.defaultValue);
      else value = this.globalArgs.get(decl.name) ?? this.predefined.get(decl.name);
      if (value !== undefined) this.vars.set(decl.name, value);
    }
  }

  applyEnv(inst: EnvInstruction): void {
    // Every pair is expanded before any is set: `ENV abc=bye def=$abc` gives def the old abc.
    const pairs = inst.pairs.map(({ key, value }) => [this.expand(key), this.expand(value)] as const);
    for (const [key, value] of pairs) this.vars.set(key, value);
  }
}
