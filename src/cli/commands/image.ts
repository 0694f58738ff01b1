// `berth image`: docker's image management verbs (prune so far).
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

export function defineImage(program: Command): void {
  const image = program.command('image').description('Manage images').usage('COMMAND');
  image
    .command('prune')
    .description('Remove unused images')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(notImplemented);
}
