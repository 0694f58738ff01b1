// `berth kill`: docker's flags for signalling containers.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function defineKill(program: Command): void {
  program
    .command('kill')
    .description('Kill one or more running containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .action(notImplemented);
}
