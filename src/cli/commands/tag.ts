// `berth tag`: docker's arguments for naming an image.
import type { Command } from 'commander';
import { tagImage } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';

export function defineTag(program: Command): void {
  program
    .command('tag')
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .usage('SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]')
    .argument('<source>')
    .argument('<target>')
    .action(async (source: string, target: string, _flags: unknown, cmd: Command) => {
      await tagImage(globalOptions(cmd).root, source, target);
    });
}
