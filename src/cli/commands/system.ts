// `berth system`: docker's management verbs for the whole store (disk usage, prune).
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

export function defineSystem(program: Command): void {
  const system = program.command('system').description('Manage berth').usage('COMMAND');
  system
    .command('df')
    .description('Show berth disk usage')
    .usage('[OPTIONS]')
    .option('--format <string>', "Format output using a custom template:\n'table': Print output in table format with column headers (default)\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template")
    .option('-v, --verbose', 'Show detailed information on space usage')
    .action(notImplemented);
  system
    .command('prune')
    .description('Remove unused data')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Remove all unused images not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<key>=<value>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--volumes', 'Prune anonymous volumes')
    .action(notImplemented);
}
