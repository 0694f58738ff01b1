// The `berth` command tree: global flags, docker-like help and errors, one subcommand per verb file.
import { Command, Option } from 'commander';
import { version } from '../api/index.ts';
import { defaultRoot } from './globals.ts';
import { UsageError, usageErrorText } from './usage-error.ts';
import { defineBuild } from './commands/build.ts';
import { defineBuilder } from './commands/builder.ts';
import { defineContainer } from './commands/container.ts';
import { defineExec } from './commands/exec.ts';
import { defineHistory } from './commands/history.ts';
import { defineImage } from './commands/image.ts';
import { defineImages } from './commands/images.ts';
import { defineImport } from './commands/import.ts';
import { defineInspect } from './commands/inspect.ts';
import { defineKill } from './commands/kill.ts';
import { defineLoad } from './commands/load.ts';
import { defineLogin } from './commands/login.ts';
import { defineLogout } from './commands/logout.ts';
import { defineLogs } from './commands/logs.ts';
import { definePs } from './commands/ps.ts';
import { definePull } from './commands/pull.ts';
import { definePush } from './commands/push.ts';
import { defineRm } from './commands/rm.ts';
import { defineRmi } from './commands/rmi.ts';
import { defineRun } from './commands/run.ts';
import { defineSave } from './commands/save.ts';
import { defineStart } from './commands/start.ts';
import { defineStop } from './commands/stop.ts';
import { defineSystem } from './commands/system.ts';
import { defineTag } from './commands/tag.ts';

type Define = (program: Command) => void;

// Grouped and ordered as `docker --help` shows them.
const GROUPS: ReadonlyArray<[heading: string, verbs: Define[]]> = [
  ['Common Commands:', [defineRun, defineExec, definePs, defineBuild, definePull, definePush, defineImages, defineLogin, defineLogout]],
  ['Management Commands:', [defineBuilder, defineContainer, defineImage, defineSystem]],
  [
    'Commands:',
    [defineHistory, defineImport, defineInspect, defineKill, defineLoad, defineLogs, defineRm, defineRmi, defineSave, defineStart, defineStop, defineTag],
  ],
];

export function createProgram(): Command {
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
  for (const [heading, verbs] of GROUPS) {
    program.commandsGroup(heading);
    for (const define of verbs) define(program);
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
