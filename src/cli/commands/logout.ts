// `berth logout`: docker's arguments for forgetting registry credentials.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function defineLogout(program: Command): void {
  program
    .command('logout')
    .description('Log out from a registry.\nIf no server is specified, the default is Docker Hub.')
    .summary('Log out from a registry')
    .usage('[SERVER]')
    .argument('[server]')
    .action(notImplemented);
}
