// `berth build`: docker's build flags; the context (a directory, stdin or a URL) and the progress view, around api's buildImage.
import type { Command } from 'commander';
import { parseAddHosts } from '../../api/add-host.ts';
import { replayBuild, type ReplayMiss } from '../../api/build-memo.ts';
import { isRemoteContext } from '../../api/remote-url.ts';
import { globalOptions } from '../globals.ts';
import { PlainProgress } from '../progress-plain.ts';
import type { CheckReport } from '../../api/check-build.ts';
import type { BuildImageOptions, BuildImageResult } from '../../api/build-image.ts';
import { BerthError } from '../../util/errors.ts';
import { collect, parseKeyValues } from '../options.ts';
import { ENGINE_BUILTINS, tuneRuntime } from '../runtime-tuning.ts';
import { readStdinText } from '../stdin.ts';
import { printLine } from '../stdout-line.ts';

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
  compression?: string;
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
    .option('--compression <string>', 'Compression of the image layers: "gzip", "zstd" or "uncompressed" (berth; BuildKit: -o type=image,compression=zstd)')
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
    .action(async (context: string, flags: BuildFlags, cmd: Command) => {
      process.exitCode = await runBuild({ ...flags, context }, globalOptions(cmd).root);
    });
}

/** Runs `berth build` and returns the exit code. */
export async function runBuild(opts: BuildOptions, root: string): Promise<number> {
  // As docker: a bad --add-host fails before anything is read or fetched.
  parseAddHosts(opts.addHost ?? []);
  if (await isRemoteContext(opts.context)) {
    // A git repository or a download; -f is a path inside it, or - for a Dockerfile on stdin.
    const { contextFromUrl } = await import('../../api/remote-context.ts');
    const remote = await contextFromUrl(root, opts.context, opts.file);
    try {
      return await runBuildIn({ ...opts, context: remote.contextDir, file: remote.dockerfile }, root, opts.file === '-' ? await readStdinText() : remote.dockerfileText);
    } finally {
      await remote.dispose();
    }
  }
  if (opts.context !== '-') return runBuildIn(opts, root, opts.file === '-' ? await readStdinText() : undefined);
  // `-`: stdin is the Dockerfile (empty context) or a tar archive of the context.
  const { contextFromStream } = await import('../../api/stdin-context.ts');
  const stdin = await contextFromStream(root, process.stdin, opts.file);
  try {
    return await runBuildIn({ ...opts, context: stdin.contextDir, file: stdin.dockerfile }, root, stdin.dockerfileText);
  } finally {
    await stdin.dispose();
  }
}

async function runBuildIn(opts: BuildOptions, root: string, dockerfileText: string | undefined): Promise<number> {
  const buildArgs = parseKeyValues(opts.buildArg ?? []);
  // As buildx and buildctl do: the client's SOURCE_DATE_EPOCH becomes the build arg unless one is given.
  if (process.env.SOURCE_DATE_EPOCH && !('SOURCE_DATE_EPOCH' in buildArgs)) buildArgs.SOURCE_DATE_EPOCH = process.env.SOURCE_DATE_EPOCH;
  if (opts.check) {
    const { checkBuild } = await import('../../api/check-build.ts');
    const report = await checkBuild({ contextDir: opts.context, dockerfile: opts.file, dockerfileText, buildArgs, target: opts.target });
    process.stdout.write(formatCheckReport(report));
    return report.warnings.length > 0 ? 1 : 0;
  }
  const network = opts.network ?? 'default';
  if (network !== 'default' && network !== 'none' && network !== 'host') {
    throw new BerthError('INVALID_ARGUMENT', `network mode "${network}" not supported by buildkit`, { hint: 'use default, none or host' });
  }
  const quiet = opts.quiet === true;
  // -q shows no progress, so it never creates process.stderr (on a pipe, a stream that loads net).
  const plain = !quiet && (opts.progress === 'plain' || (opts.progress === 'auto' && !process.stderr.isTTY));
  // The tty view (log-update and its Unicode tables) is loaded only when a terminal shows it.
  const progress = quiet ? undefined : plain ? new PlainProgress(process.stderr) : new (await import('../progress-tty.ts')).TtyProgress(process.stderr);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new BerthError('INTERRUPTED', 'the build was interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // An output streamed to stdout (`-o -`, dest=-) owns it: the ID would corrupt the archive.
  const streamed = (opts.output ?? []).some((o) => o === '-' || /(^|,)dest=-(,|$)/.test(o));
  try {
    const request: BuildImageOptions = {
      contextDir: opts.context, dockerfile: opts.file, dockerfileText, buildArgs, target: opts.target,
      tags: opts.tag ?? [], noCache: opts.cache === false, network, labels: parseLabels(opts.label ?? []),
      iidfile: opts.iidfile, outputs: opts.output ?? [], ...(streamed ? { outputStream: process.stdout } : {}), buildContexts: opts.buildContext ?? [], signal: controller.signal, onEvent: (e) => progress?.handle(e), pull: opts.pull === true,
      secrets: opts.secret ?? [], ssh: opts.ssh ?? [], allow: opts.allow ?? [], addHosts: opts.addHost ?? [],
      squash: opts.squash === true, platform: opts.platform ?? [], compression: parseCompression(opts.compression),
    };
    // An up-to-date build needs neither the engine nor its code: that is loaded only for a real build.
    const learned: ReplayMiss = {};
    const result = (await replayBuild(root, request, learned)) ?? await buildWithEngine(root, request, learned);
    if (progress) {
      const done = progress.vertex('exporting to image');
      done([`writing image ${result.id}`, ...result.tags.map((t) => `naming to ${t}`)]);
    }
    if (quiet && !streamed) printLine(result.id);
    return 0;
  } catch (e) {
    progress?.fail();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (progress && 'finish' in progress) progress.finish();
  }
}

async function buildWithEngine(root: string, request: BuildImageOptions, learned: ReplayMiss): Promise<BuildImageResult> {
  tuneRuntime(ENGINE_BUILTINS);
  return (await import('../../api/build-image.ts')).buildImageFully(root, request, learned);
}

function parseLabels(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    out[eq < 0 ? p : p.slice(0, eq)] = eq < 0 ? '' : p.slice(eq + 1);
  }
  return out;
}

/** `--compression gzip|zstd|uncompressed`: layers already compressed another way keep theirs (BuildKit without force-compression). */
function parseCompression(text: string | undefined): { type: 'gzip' | 'zstd' | 'none' } | undefined {
  if (text === undefined) return undefined;
  const type = text === 'gzip' || text === 'zstd' ? text : text === 'uncompressed' ? 'none' : undefined;
  if (!type) throw new BerthError('INVALID_ARGUMENT', `invalid --compression "${text}"`, { hint: 'use gzip, zstd or uncompressed' });
  return { type };
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
