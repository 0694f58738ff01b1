// `berth image`: docker's image management verbs (prune so far).
import type { Command } from 'commander';
import { pruneImages } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { humanSize } from '../human.ts';
import { collect } from '../options.ts';
import { confirm } from '../confirm.ts';

export function defineImage(program: Command): void {
  const image = program.command('image').description('Manage images').usage('COMMAND');
  image
    .command('prune')
    .description('Remove unused images')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action(async (flags: { all?: boolean; force?: boolean }, cmd: Command) => {
      const warning = flags.all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
      if (!flags.force && !(await confirm(`${warning}\nAre you sure you want to continue? [y/N] `))) return;
      const r = await pruneImages(globalOptions(cmd).root, { all: flags.all === true });
      if (r.deleted.length) {
        process.stdout.write('Deleted Images:\n');
        for (const t of r.untagged) process.stdout.write(`untagged: ${t}\n`);
        for (const d of r.deleted) process.stdout.write(`deleted: ${d}\n`);
        process.stdout.write('\n');
      }
      process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
    });
}
