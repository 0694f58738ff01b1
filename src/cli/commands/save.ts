// `berth save`: docker's flags for writing images to a tar archive.
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

export function defineSave(program: Command): void {
  program
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .usage('[OPTIONS] IMAGE [IMAGE...]')
    .argument('<images...>')
    .option('-o, --output <string>', 'Write to a file, instead of STDOUT')
    .option('--platform <platform>', 'Save only the given platform(s). Formatted as a comma-separated list of "os[/arch[/variant]]" (e.g., "linux/amd64,linux/arm64/v8")', collect)
    .action(notImplemented);
}
