// `berth rm`: docker's flags for removing containers.
import type { Command } from 'commander';
import { BerthErrors, removeContainers } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { refuseFlags } from './container-flags.ts';

export function defineRm(program: Command): void {
  program
    .command('rm')
    .description('Remove one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)')
    .option('-l, --link', 'Remove the specified link')
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container')
    .action(async (containers: string[], flags: { force?: boolean; link?: boolean; volumes?: boolean }, cmd: Command) => {
      refuseFlags(flags, { link: '--link' });
      // -v: berth has no anonymous volumes, so there is nothing more to remove.
      const { done, errors } = await removeContainers(globalOptions(cmd).root, containers, { force: flags.force === true });
      for (const name of done) process.stdout.write(`${name}\n`);
      if (errors.length) throw new BerthErrors(errors);
    });
}
