// `berth import`: docker's flags for turning a root filesystem tarball into an image.
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

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
    .action(notImplemented);
}
