// `berth save`: docker's flags for writing images to a tar archive.
import type { Command } from 'commander';
import { BerthError, saveImages, saveImagesToFile } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { collect } from '../options.ts';

export function defineSave(program: Command): void {
  program
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .usage('[OPTIONS] IMAGE [IMAGE...]')
    .argument('<images...>')
    .option('-o, --output <string>', 'Write to a file, instead of STDOUT')
    .option('--platform <platform>', 'Save only the given platform(s). Formatted as a comma-separated list of "os[/arch[/variant]]" (e.g., "linux/amd64,linux/arm64/v8")', collect)
    .action(async (images: string[], flags: { output?: string }, cmd: Command) => {
      const { root } = globalOptions(cmd);
      if (flags.output !== undefined) return saveImagesToFile(root, images, flags.output);
      if (process.stdout.isTTY) {
        throw new BerthError('INVALID_ARGUMENT', 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
      }
      await saveImages(root, images, process.stdout);
    });
}
