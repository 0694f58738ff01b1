// `berth load`: docker's flags for reading images from a tar archive.
import type { Command } from 'commander';
import { collect, notImplemented } from '../options.ts';

export function defineLoad(program: Command): void {
  program
    .command('load')
    .description('Load an image from a tar archive or STDIN')
    .usage('[OPTIONS]')
    .option('-i, --input <string>', 'Read from tar archive file, instead of STDIN')
    .option('--platform <platform>', 'Load only the given platform(s). Formatted as a comma-separated list of "os[/arch[/variant]]" (e.g., "linux/amd64,linux/arm64/v8")', collect)
    .option('-q, --quiet', 'Suppress the load output')
    .action(notImplemented);
}
