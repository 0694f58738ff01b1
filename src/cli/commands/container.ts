// `berth container`: docker's container management verbs (prune, inspect) and the hidden supervisor verb.
import type { Command } from 'commander';
import { inspectContainers, pruneContainers, superviseContainerProcess } from '../../api/index.ts';
import { confirm } from '../confirm.ts';
import { globalOptions } from '../globals.ts';
import { collect } from '../options.ts';
import { formatObjects } from '../output.ts';
import { refuseFlags } from './container-flags.ts';

export function defineContainer(program: Command): void {
  const container = program.command('container').description('Manage containers').usage('COMMAND');
  container
    .command('prune')
    .description('Remove all stopped containers')
    .usage('[OPTIONS]')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (flags: { filter?: string[]; force?: boolean }, cmd: Command) => {
      refuseFlags(flags, { filter: '--filter' });
      if (!flags.force && !(await confirm('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] '))) return;
      const removed = await pruneContainers(globalOptions(cmd).root);
      if (removed.length) process.stdout.write(`Deleted Containers:\n${removed.map((id) => `${id}\n`).join('')}\n`);
      process.stdout.write('Total reclaimed space: 0B\n');
    });
  container
    .command('inspect')
    .description('Display detailed information on one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes')
    .action(async (names: string[], flags: { format?: string; size?: boolean }, cmd: Command) => {
      refuseFlags(flags, { size: '--size' });
      process.stdout.write(formatObjects(await inspectContainers(globalOptions(cmd).root, names), flags.format));
    });
  // The supervisor of one container: berth re-executes itself with this (see container/supervisor.ts).
  container
    .command('__supervise', { hidden: true })
    .argument('<id>')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      await superviseContainerProcess(globalOptions(cmd).root, id);
      // A FIFO open for a stdin nobody ever wrote would keep the process alive: the work is done.
      process.exit(0);
    });
}
