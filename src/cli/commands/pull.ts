// `berth pull`: docker's flags for downloading an image from a registry.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function definePull(program: Command): void {
  program
    .command('pull')
    .description('Download an image from a registry')
    .usage('[OPTIONS] NAME[:TAG|@DIGEST]')
    .argument('<name>')
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(notImplemented);
}
