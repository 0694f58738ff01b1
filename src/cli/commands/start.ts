// `berth start`: docker's flags for starting stopped containers.
import type { Command } from 'commander';
import { BerthErrors, startContainers } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { berthCommand, refuseFlags } from './container-flags.ts';

export function defineStart(program: Command): void {
  program
    .command('start')
    .description('Start one or more stopped containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals')
    .option('--detach-keys <string>', 'Override the key sequence for detaching a container')
    .option('-i, --interactive', "Attach container's STDIN")
    .action(async (containers: string[], flags: { attach?: boolean; detachKeys?: string; interactive?: boolean }, cmd: Command) => {
      refuseFlags(flags, { attach: '--attach', detachKeys: '--detach-keys', interactive: '--interactive' });
      const { done, errors } = await startContainers(globalOptions(cmd).root, containers, berthCommand());
      for (const name of done) process.stdout.write(`${name}\n`);
      if (errors.length) throw new BerthErrors(errors);
    });
}
