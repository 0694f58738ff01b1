// Typed instructions: what each Dockerfile keyword means once its flags and arguments are validated.
// Values keep their raw (unexpanded) text; variables are expanded by the planner and the build.
import type { SourceRange } from '../../util/errors.ts';
import type { Heredoc } from '../syntax/index.ts';
import type { Mount } from './mount.ts';

export type { Mount } from './mount.ts';

interface Base {
  range: SourceRange;
  /** The logical source line, for history (`created_by`) and messages. */
  original: string;
}

/** A command in exec form (JSON array) or shell form (run through the image's SHELL). */
export type Command = { form: 'exec'; args: string[] } | { form: 'shell'; script: string };

export interface KeyValue {
  key: string;
  value: string;
}

export interface FromInstruction extends Base { kind: 'from'; image: string; stageName: string | undefined; platform: string | undefined }
export interface RunInstruction extends Base {
  kind: 'run';
  command: Command;
  mounts: Mount[];
  network: 'default' | 'none' | 'host' | undefined;
  security: 'sandbox' | 'insecure' | undefined;
  heredocs: Heredoc[];
}
export interface CmdInstruction extends Base { kind: 'cmd'; command: Command }
export interface EntrypointInstruction extends Base { kind: 'entrypoint'; command: Command }
export interface EnvInstruction extends Base { kind: 'env'; pairs: KeyValue[] }
export interface LabelInstruction extends Base { kind: 'label'; pairs: KeyValue[] }
export interface MaintainerInstruction extends Base { kind: 'maintainer'; name: string }
export interface ExposeInstruction extends Base { kind: 'expose'; ports: string[] }

export interface CopyFlags {
  chown: string | undefined;
  chmod: string | undefined;
  link: boolean;
  parents: boolean;
  excludes: string[];
}
export interface CopyInstruction extends Base, CopyFlags {
  kind: 'copy';
  sources: string[];
  dest: string;
  from: string | undefined;
  heredocs: Heredoc[];
}
export interface AddInstruction extends Base, CopyFlags {
  kind: 'add';
  sources: string[];
  dest: string;
  checksum: string | undefined;
  keepGitDir: boolean;
  unpack: boolean | undefined;
  heredocs: Heredoc[];
}
export interface VolumeInstruction extends Base { kind: 'volume'; paths: string[] }
export interface UserInstruction extends Base { kind: 'user'; user: string }
export interface WorkdirInstruction extends Base { kind: 'workdir'; path: string }
export interface ArgDeclaration { name: string; defaultValue: string | undefined }
export interface ArgInstruction extends Base { kind: 'arg'; args: ArgDeclaration[] }
export interface OnbuildInstruction extends Base { kind: 'onbuild'; trigger: string; instruction: Instruction }
export interface StopsignalInstruction extends Base { kind: 'stopsignal'; signal: string }
export interface HealthcheckInstruction extends Base {
  kind: 'healthcheck';
  /** `['NONE']`, `['CMD', ...args]` or `['CMD-SHELL', script]`, as docker stores Healthcheck.Test. */
  test: string[];
  /** Durations in nanoseconds, as docker's config holds them; undefined = inherit/default. */
  interval: number | undefined;
  timeout: number | undefined;
  startPeriod: number | undefined;
  startInterval: number | undefined;
  retries: number | undefined;
}
export interface ShellInstruction extends Base { kind: 'shell'; shell: string[] }

export type Instruction =
  | FromInstruction | RunInstruction | CmdInstruction | EntrypointInstruction | EnvInstruction
  | LabelInstruction | MaintainerInstruction | ExposeInstruction | CopyInstruction | AddInstruction
  | VolumeInstruction | UserInstruction | WorkdirInstruction | ArgInstruction | OnbuildInstruction
  | StopsignalInstruction | HealthcheckInstruction | ShellInstruction;

export type InstructionKind = Instruction['kind'];
