// `berth exec`: docker's flags for running a command in a running container; COMMAND's flags pass through.
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { execContainer } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { collect } from '../options.ts';
import { attachTerminal, refuseNonTerminalInput, terminalSize } from '../terminal.ts';
import { refuseFlags } from './container-flags.ts';

export function defineExec(program: Command): void {
  program
    .command('exec')
    .description('Execute a command in a running container')
    .usage('[OPTIONS] CONTAINER COMMAND [ARG...]')
    // Everything after CONTAINER belongs to the command: `berth exec web ls -l`.
    .passThroughOptions()
    .argument('<container>')
    .argument('<command...>')
    .option('-d, --detach', 'Detached mode: run command in the background')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-e, --env <key=value>', 'Set environment variables', collect)
    .option('--env-file <file>', 'Read in a file of environment variables', collect)
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('--privileged', 'Give extended privileges to the command')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-u, --user <string>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .option('-w, --workdir <string>', 'Working directory inside the container')
    .action(async (container: string, command: string[], flags: ExecFlags, cmd: Command) => {
      refuseFlags(flags, { detachKeys: '--detach-keys', privileged: '--privileged' });
      if (!flags.detach && refuseNonTerminalInput('exec', flags.interactive === true, flags.tty === true)) return;
      const size = flags.tty ? terminalSize() : undefined;
      // The console shim reads the new sizes as "ROWS COLS" lines.
      const resize = flags.tty ? new PassThrough() : undefined;
      const detachTerminal = flags.tty ? attachTerminal(flags.interactive === true, size, (h, w) => resize?.write(`${h} ${w}\n`)) : undefined;
      let result;
      try {
        result = await execContainer(globalOptions(cmd).root, {
          container, cmd: command, env: flags.env ?? [], envFiles: flags.envFile ?? [], interactive: flags.interactive === true,
          tty: flags.tty === true, detach: flags.detach === true, ...(size ? { consoleSize: size } : {}), ...(resize ? { resize } : {}),
          ...(flags.user !== undefined ? { user: flags.user } : {}), ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
        });
      } finally {
        detachTerminal?.();
        resize?.end();
      }
      if (result.error !== undefined) process.stderr.write(`berth: Error response from daemon: ${result.error}.\n`);
      process.exitCode = result.exitCode;
      if (flags.interactive) process.stdin.destroy();
    });
}

interface ExecFlags {
  detach?: boolean; detachKeys?: string; env?: string[]; envFile?: string[]; interactive?: boolean; privileged?: boolean; tty?: boolean;
  user?: string; workdir?: string;
}
