// `berth kill`: docker's flags for signalling containers.
import type { Command } from 'commander';
import { BerthErrors, killContainers } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';

export function defineKill(program: Command): void {
  program
    .command('kill')
    .description('Kill one or more running containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-s, --signal <string>', 'Signal to send to the container')
    .action(async (containers: string[], flags: { signal?: string }, cmd: Command) => {
      const { done, errors } = await killContainers(globalOptions(cmd).root, containers, flags.signal ?? 'SIGKILL');
      for (const name of done) process.stdout.write(`${name}\n`);
      if (errors.length) throw new BerthErrors(errors);
    });
}
