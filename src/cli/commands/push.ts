// `berth push`: docker's flags for uploading an image to a registry.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function definePush(program: Command): void {
  program
    .command('push')
    .description('Upload an image to a registry')
    .usage('[OPTIONS] NAME[:TAG]')
    .argument('<name>')
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('--platform <string>', 'Push a platform-specific manifest as a single-platform image to the registry. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(notImplemented);
}
