// `berth container`: docker's container management verbs (prune so far).
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

export function defineContainer(program: Command): void {
  const container = program.command('container').description('Manage containers').usage('COMMAND');
  container
    .command('prune')
    .description('Remove all stopped containers')
    .usage('[OPTIONS]')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(notImplemented);
}
