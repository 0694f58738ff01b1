// `berth login`: docker's flags for storing registry credentials.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

export function defineLogin(program: Command): void {
  program
    .command('login')
    .description('Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.')
    .summary('Authenticate to a registry')
    .usage('[OPTIONS] [SERVER]')
    .argument('[server]')
    .option('-p, --password <string>', 'Password or Personal Access Token (PAT)')
    .option('--password-stdin', 'Take the Password or Personal Access Token (PAT) from stdin')
    .option('-u, --username <string>', 'Username')
    .action(notImplemented);
}
