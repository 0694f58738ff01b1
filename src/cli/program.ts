// The `berth` command tree: global flags, docker-like help and errors, one subcommand per verb file.
import { Command, Option } from 'commander';
import { version } from '../api/version.ts';
import { defaultRoot } from './globals.ts';
import { UsageError, usageErrorText } from './usage-error.ts';

type Define = (program: Command) => void;

// Each verb's module (its flags, its action and everything the action imports) loads only when that
// verb runs: start-up is most of a no-op rebuild, and this spares a build the run, registry and
// container code. esbuild puts each dynamic import in its own chunk.
const VERBS: Readonly<Record<string, () => Promise<Define>>> = {
  build: async () => (await import('./commands/build.ts')).defineBuild,
  builder: async () => (await import('./commands/builder.ts')).defineBuilder,
  container: async () => (await import('./commands/container.ts')).defineContainer,
  exec: async () => (await import('./commands/exec.ts')).defineExec,
  history: async () => (await import('./commands/history.ts')).defineHistory,
  image: async () => (await import('./commands/image.ts')).defineImage,
  images: async () => (await import('./commands/images.ts')).defineImages,
  import: async () => (await import('./commands/import.ts')).defineImport,
  inspect: async () => (await import('./commands/inspect.ts')).defineInspect,
  kill: async () => (await import('./commands/kill.ts')).defineKill,
  load: async () => (await import('./commands/load.ts')).defineLoad,
  login: async () => (await import('./commands/login.ts')).defineLogin,
  logout: async () => (await import('./commands/logout.ts')).defineLogout,
  logs: async () => (await import('./commands/logs.ts')).defineLogs,
  ps: async () => (await import('./commands/ps.ts')).definePs,
  pull: async () => (await import('./commands/pull.ts')).definePull,
  push: async () => (await import('./commands/push.ts')).definePush,
  rm: async () => (await import('./commands/rm.ts')).defineRm,
  rmi: async () => (await import('./commands/rmi.ts')).defineRmi,
  run: async () => (await import('./commands/run.ts')).defineRun,
  save: async () => (await import('./commands/save.ts')).defineSave,
  start: async () => (await import('./commands/start.ts')).defineStart,
  stop: async () => (await import('./commands/stop.ts')).defineStop,
  system: async () => (await import('./commands/system.ts')).defineSystem,
  tag: async () => (await import('./commands/tag.ts')).defineTag,
};

// Grouped and ordered as `docker --help` shows them.
const GROUPS: ReadonlyArray<[heading: string, verbs: string[]]> = [
  ['Common Commands:', ['run', 'exec', 'ps', 'build', 'pull', 'push', 'images', 'login', 'logout']],
  ['Management Commands:', ['builder', 'container', 'image', 'system']],
  ['Commands:', ['history', 'import', 'inspect', 'kill', 'load', 'logs', 'rm', 'rmi', 'save', 'start', 'stop', 'tag']],
];

/**
 * The verbs to define for `args` (argv without node and the script), when that can be told without
 * parsing: the first word after the global flags, or none for a version query. Every verb otherwise
 * (help lists them all; an unknown verb's error suggests one).
 */
export function verbsFor(args: readonly string[]): readonly string[] {
  const all = Object.keys(VERBS);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--root') i++;
    else if (a.startsWith('--root=') || a === '-D' || a === '--debug') continue;
    else if (a === '-v' || a === '--version') return [];
    else return Object.hasOwn(VERBS, a) ? [a] : all;
  }
  return all;
}

/** The command tree; given node-style argv, only the verb it runs is loaded (see verbsFor). */
export async function createProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('berth');
  program
    .description('A daemonless, docker-compatible container image builder and runner')
    .usage('[OPTIONS] COMMAND')
    // Set before the verbs are added: subcommands inherit help, output and parsing settings.
    .helpOption('-h, --help', 'Print usage')
    .helpCommand('help [command]', 'Help about any command')
    .configureHelp({ subcommandTerm: (cmd) => cmd.name() })
    .version(`berth version ${version}`, '-v, --version', 'Print version information and quit')
    .addOption(new Option('--root <dir>', "Root directory of berth's store").env('BERTH_ROOT').default(defaultRoot()))
    .option('-D, --debug', "Enable debug mode (stack traces of berth's own failures; also BERTH_DEBUG=1)")
    // Global flags go before the verb, as with docker; what follows the verb is the verb's.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    // Errors are printed by main() in docker's words (see usage-error.ts), not by commander. With
    // that, commander's writeErr only carries the help it shows for a bare `berth` or `berth system`,
    // which docker prints to stdout (and exits 0: see main.ts).
    .configureOutput({ outputError: () => undefined, writeErr: (text) => void process.stdout.write(text) })
    .addHelpText('after', "\nRun 'berth COMMAND --help' for more information on a command.");
  const names = argv === undefined ? Object.keys(VERBS) : verbsFor(argv.slice(2));
  const defines = new Map(await Promise.all(names.map(async (name) => [name, await VERBS[name]!()] as const)));
  for (const [heading, verbs] of GROUPS) {
    program.commandsGroup(heading);
    for (const name of verbs) defines.get(name)?.(program);
  }
  program.commandsGroup('Commands:');
  throwUsageErrors(program);
  return program;
}

/** Every command throws instead of exiting; parse mistakes become UsageErrors naming that command. */
function throwUsageErrors(cmd: Command): void {
  cmd.exitOverride((err) => {
    // Help and version output are not errors: main() exits with the code commander chose.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') throw err;
    throw new UsageError(usageErrorText(err, cmd));
  });
  for (const sub of cmd.commands) throwUsageErrors(sub);
}
