// `berth rmi`: docker's flags for removing images.
import type { Command } from 'commander';
import { BerthErrors, removeImages } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';

export function defineRmi(program: Command): void {
  program
    .command('rmi')
    .description('Remove one or more images')
    .usage('[OPTIONS] IMAGE [IMAGE...]')
    .argument('<images...>')
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents')
    .option('--platform <platform>', 'Remove only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .action(async (images: string[], flags: { force?: boolean }, cmd: Command) => {
      const { results, errors } = await removeImages(globalOptions(cmd).root, images, { force: flags.force === true });
      for (const r of results) process.stdout.write('untagged' in r ? `Untagged: ${r.untagged}\n` : `Deleted: ${r.deleted}\n`);
      if (errors.length) throw new BerthErrors(errors);
    });
}
