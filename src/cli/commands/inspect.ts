// `berth inspect`: docker's flags for low-level information on images and containers.
import type { Command } from 'commander';
import { BerthErrors, inspectObjects } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { formatObjects } from '../output.ts';

export function defineInspect(program: Command): void {
  program
    .command('inspect')
    .description('Return low-level information on images and containers')
    .usage('[OPTIONS] NAME|ID [NAME|ID...]')
    .argument('<names...>')
    .option('-f, --format <string>', "Format output using a custom template:\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template")
    .option('-s, --size', 'Display total file sizes if the type is container')
    .option('--type <string>', 'Only inspect objects of the given type')
    .action(async (names: string[], flags: { format?: string; type?: string }, cmd: Command) => {
      const { objects, errors } = await inspectObjects(globalOptions(cmd).root, names, flags.type);
      process.stdout.write(formatObjects(objects, flags.format));
      if (errors.length) throw new BerthErrors(errors);
    });
}
