// `berth builder`: docker's build-cache management verbs (prune so far).
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

export function defineBuilder(program: Command): void {
  const builder = program.command('builder').description('Manage builds').usage('COMMAND');
  builder
    .command('prune')
    .description('Remove build cache')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Remove all unused build cache, not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=24h")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--keep-storage <bytes>', 'Amount of disk space to keep for cache')
    .action(notImplemented);
}
