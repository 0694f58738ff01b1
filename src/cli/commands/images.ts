// `berth images`: docker's flags for listing images.
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

export function defineImages(program: Command): void {
  program
    .command('images')
    .description('List images')
    .usage('[OPTIONS] [REPOSITORY[:TAG]]')
    .argument('[repository]', 'only images of this repository (and tag)')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template:\n\'table\': Print output in table format with column headers (default)\n\'table TEMPLATE\': Print output in table format using the given Go template\n\'json\': Print in JSON format\n\'TEMPLATE\': Print output using the given Go template')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action(notImplemented);
}
