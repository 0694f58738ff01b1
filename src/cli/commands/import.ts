// `berth import`: docker's flags for turning a root filesystem tarball into an image.
import type { Command } from 'commander';
import { collect } from '../options.ts';
import { importImage } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';

export function defineImport(program: Command): void {
  program
    .command('import')
    .description('Import the contents from a tarball to create a filesystem image')
    .usage('[OPTIONS] file|URL|- [REPOSITORY[:TAG]]')
    .argument('<source>', 'a tar file, a URL, or - for stdin')
    .argument('[reference]', 'REPOSITORY[:TAG] to name the image')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect)
    .option('-m, --message <string>', 'Set commit message for imported image')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .action(async (source: string, reference: string | undefined, flags: { change?: string[]; message?: string; platform?: string }, cmd: Command) => {
      const result = await importImage(globalOptions(cmd).root, {
        source, ...(source === '-' ? { stream: process.stdin } : {}),
        ...(reference !== undefined ? { reference } : {}),
        changes: flags.change ?? [], ...(flags.message !== undefined ? { message: flags.message } : {}),
        ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
      });
      process.stdout.write(result.id + '\n');
    });
}
