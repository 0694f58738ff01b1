// `berth ps`: docker's flags for listing containers.
import type { Command } from 'commander';
import { collect, notImplemented, parseInteger } from '../options.ts';

export function definePs(program: Command): void {
  program
    .command('ps')
    .description('List containers')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', "Format output using a custom template:\n'table': Print output in table format with column headers (default)\n'table TEMPLATE': Print output in table format using the given Go template\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template")
    .option('-n, --last <int>', 'Show n last created containers (includes all states)', parseInteger)
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .action(notImplemented);
}
