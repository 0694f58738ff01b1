// `berth stop`: docker's flags for stopping containers (signal, then SIGKILL after a timeout).
import type { Command } from 'commander';
import { notImplemented, parseInteger } from '../options.ts';

export function defineStop(program: Command): void {
  program
    .command('stop')
    .description('Stop one or more running containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container', parseInteger)
    .action(notImplemented);
}
