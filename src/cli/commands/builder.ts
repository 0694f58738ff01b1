// `berth builder`: docker's build-cache management verbs (prune so far).
import type { Command } from 'commander';
import { pruneBuildCache } from '../../api/index.ts';
import { BerthError } from '../../util/errors.ts';
import { confirm } from '../confirm.ts';
import { globalOptions } from '../globals.ts';
import { humanSize } from '../human.ts';
import { collect } from '../options.ts';

interface PruneFlags { all?: boolean; filter?: string[]; force?: boolean; keepStorage?: string }

export function defineBuilder(program: Command): void {
  const builder = program.command('builder').description('Manage builds').usage('COMMAND');
  builder
    .command('prune')
    .description('Remove build cache')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Remove all unused build cache, not just dangling ones (berth: all of it is removed either way)')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=24h")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--keep-storage <bytes>', 'Amount of disk space to keep for cache')
    .action(async (flags: PruneFlags, cmd: Command) => {
      // Refused by name rather than ignored: they would make prune keep what it now removes.
      if (flags.filter?.length) throw new BerthError('NOT_IMPLEMENTED', 'berth builder prune --filter is not supported yet');
      if (flags.keepStorage !== undefined) throw new BerthError('NOT_IMPLEMENTED', 'berth builder prune --keep-storage is not supported yet');
      // berth's cache has no records in use by a running build to keep: -a or not, all of it goes.
      if (!flags.force && !(await confirm('WARNING! This will remove all build cache. Are you sure you want to continue? [y/N] '))) return;
      const r = await pruneBuildCache(globalOptions(cmd).root);
      process.stdout.write(`Total:\t${humanSize(r.reclaimed)}\n`);
    });
}
