// `berth build`: docker's build flags, and the action (only `--check` reaches the library so far).
import type { Command } from 'commander';
import { checkBuild } from '../../api/index.ts';
import type { CheckReport } from '../../api/index.ts';
import { BerthError } from '../../util/errors.ts';
import { collect, notImplemented, parseKeyValues } from '../options.ts';
import { readStdinText } from '../stdin.ts';

export interface BuildFlags {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  target?: string;
  cache: boolean;
  pull?: boolean;
  network?: string;
  quiet?: boolean;
  progress: string;
  label?: string[];
  iidfile?: string;
  output?: string[];
  secret?: string[];
  ssh?: string[];
  platform?: string[];
  squash?: boolean;
  buildContext?: string[];
  allow?: string[];
  addHost?: string[];
  check?: boolean;
}

export interface BuildOptions extends BuildFlags {
  /** PATH | URL | - */
  context: string;
}

export function defineBuild(program: Command): void {
  program
    .command('build')
    .description('Build an image from a Dockerfile')
    .usage('[OPTIONS] PATH | URL | -')
    .argument('<context>', 'build context: a directory, a URL, or - to read from stdin')
    .option('--add-host <host:ip>', 'Add a custom host-to-IP mapping (format: "host:ip")', collect)
    .option('--allow <entitlement>', 'Allow extra privileged entitlement (e.g., "network.host", "security.insecure")', collect)
    .option('--build-arg <key=value>', 'Set build-time variables', collect)
    .option('--build-context <name=path>', 'Additional build contexts (e.g., name=path)', collect)
    .option('--check', 'Check the Dockerfile and options without building (berth: prints warnings, exits 1 if any)')
    .option('-f, --file <string>', 'Name of the Dockerfile (default: "PATH/Dockerfile")')
    .option('--iidfile <string>', 'Write the image ID to a file')
    .option('--label <label>', 'Set metadata for an image', collect)
    .option('--network <string>', 'Set the networking mode for the "RUN" instructions during build', 'default')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('-o, --output <spec>', 'Output destination (format: "type=local,dest=path")', collect)
    .option('--platform <platform>', 'Set target platform for build', collect)
    .option('--progress <string>', 'Set type of progress output ("auto", "plain", "tty", "rawjson"). Use plain to show container output', 'auto')
    .option('--pull', 'Always attempt to pull all referenced images')
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--secret <spec>', 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")', collect)
    .option('--squash', 'Squash newly built layers into a single new layer')
    .option('--ssh <spec>', 'SSH agent socket or keys to expose to the build (format: "default|<id>[=<socket>|<key>[,<key>]]")', collect)
    .option('-t, --tag <name:tag>', 'Name and optionally a tag (format: "name:tag")', collect)
    .option('--target <string>', 'Set the target build stage to build')
    .action(async (context: string, flags: BuildFlags) => {
      process.exitCode = await runBuild({ ...flags, context });
    });
}

/** Runs `berth build` and returns the exit code. */
export async function runBuild(opts: BuildOptions): Promise<number> {
  if (!opts.check) notImplemented();
  if (opts.context === '-' || /^(https?:\/\/|git@|git:\/\/)/.test(opts.context)) {
    throw new BerthError('NOT_IMPLEMENTED', `a build context from ${opts.context === '-' ? 'stdin' : 'a URL'} is not supported yet`, {
      hint: 'pass a directory as PATH; the Dockerfile can still come from stdin with `-f -`',
    });
  }
  const report = await checkBuild({
    contextDir: opts.context,
    dockerfile: opts.file,
    dockerfileText: opts.file === '-' ? await readStdinText() : undefined,
    buildArgs: parseKeyValues(opts.buildArg ?? []),
    target: opts.target,
  });
  process.stdout.write(formatCheckReport(report));
  return report.warnings.length > 0 ? 1 : 0;
}

/** The stages and steps that would run, warnings in compiler style, then docker's closing line. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  const built = report.stages.filter((s) => s.willBuild);
  if (report.context) {
    lines.push(`context: ${report.context.entries} ${report.context.entries === 1 ? 'entry' : 'entries'}${report.context.ignoreFile ? ` (after ${report.context.ignoreFile})` : ''}`);
  }
  lines.push(`${report.file}: ${report.stages.length} ${report.stages.length === 1 ? 'stage' : 'stages'}, target ${report.target}; ${built.length} would be built`);
  for (const s of report.stages) {
    const label = s.name !== undefined ? `${s.index} (${s.name})` : String(s.index);
    lines.push(`stage ${label} FROM ${s.base}${s.willBuild ? '' : '  [skipped: the target does not need it]'}`);
    s.steps.forEach((step, i) => lines.push(`  [${i + 1}/${s.steps.length}] line ${step.line}: ${step.text}`));
  }
  lines.push(...report.warnings.map((w) => `${w.file}${w.line > 0 ? `:${w.line}:${w.column}` : ''}: warning: ${w.message}`));
  const n = report.warnings.length;
  if (n === 0) lines.push('Check complete, no warnings found.');
  else lines.push(`Check complete, ${n} ${n === 1 ? 'warning has' : 'warnings have'} been found!`);
  return lines.join('\n') + '\n';
}
