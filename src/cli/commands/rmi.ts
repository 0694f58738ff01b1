// `berth rmi`: docker's flags for removing images.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function defineRmi(program: Command): void {
  program
    .command('rmi')
    .description('Remove one or more images')
    .usage('[OPTIONS] IMAGE [IMAGE...]')
    .argument('<images...>')
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents')
    .option('--platform <platform>', 'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .action(notImplemented);
}
