// The variables a stage sees at each point while planning: its ARGs (with --build-arg overrides and
// global defaults) and ENVs from the Dockerfile, ENV winning over ARG as in docker.
import type { ArgInstruction, EnvInstruction } from '../dockerfile/instructions/index.ts';
import { expandWord, type EnvLookup, type EscapeToken } from '../dockerfile/shell/index.ts';

export class StageEnv {
  private readonly args = new Map<string, string | undefined>();
  private readonly env = new Map<string, string>();
  /** Names of the ARGs declared in this stage (for the unused --build-arg warning). */
  readonly declared = new Set<string>();

  constructor(
    private readonly escapeToken: EscapeToken,
    private readonly globalArgs: ReadonlyMap<string, string | undefined>,
    private readonly buildArgs: ReadonlyMap<string, string | undefined>,
    private readonly predefined: ReadonlyMap<string, string>,
  ) {}

  readonly lookup: EnvLookup = (name) => this.env.get(name) ?? this.args.get(name);

  expand(word: string): string {
    return expandWord(word, this.lookup, { escapeToken: this.escapeToken }).value;
  }

  applyArg(inst: ArgInstruction): void {
    for (const decl of inst.args) {
      this.declared.add(decl.name);
      let value: string | undefined;
      if (this.buildArgs.get(decl.name) !== undefined) value = this.buildArgs.get(decl.name);
      else if (decl.defaultValue !== undefined) value = this.expand(decl.defaultValue);
      else if (this.globalArgs.has(decl.name)) value = this.globalArgs.get(decl.name);
      else value = this.predefined.get(decl.name);
      this.args.set(decl.name, value);
    }
  }

  applyEnv(inst: EnvInstruction): void {
    for (const { key, value } of inst.pairs) this.env.set(this.expand(key), this.expand(value));
  }
}
