// `berth start`: docker's flags for starting stopped containers.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function defineStart(program: Command): void {
  program
    .command('start')
    .description('Start one or more stopped containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-i, --interactive', "Attach container's STDIN")
    .action(notImplemented);
}
