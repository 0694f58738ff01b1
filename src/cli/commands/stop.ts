// `berth stop`: docker's flags for stopping containers (signal, then SIGKILL after a timeout).
import type { Command } from 'commander';
import { BerthErrors, stopContainers } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { parseInteger } from '../options.ts';

export function defineStop(program: Command): void {
  program
    .command('stop')
    .description('Stop one or more running containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .option('-t, --timeout <int>', 'Seconds to wait before killing the container', parseInteger)
    .action(async (containers: string[], flags: { signal?: string; timeout?: number }, cmd: Command) => {
      const { done, errors } = await stopContainers(globalOptions(cmd).root, containers, {
        ...(flags.timeout !== undefined ? { timeout: flags.timeout } : {}), ...(flags.signal !== undefined ? { signal: flags.signal } : {}),
      });
      for (const name of done) process.stdout.write(`${name}\n`);
      if (errors.length) throw new BerthErrors(errors);
    });
}
