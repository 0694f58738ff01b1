// `berth rm`: docker's flags for removing containers.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function defineRm(program: Command): void {
  program
    .command('rm')
    .description('Remove one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-l, --link', 'Remove the specified link')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .action(notImplemented);
}
