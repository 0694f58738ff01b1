// `berth logout`: docker's arguments for forgetting registry credentials.
import type { Command } from 'commander';
import { logout } from '../../api/index.ts';

export function defineLogout(program: Command): void {
  program
    .command('logout')
    .description('Log out from a registry.\nIf no server is specified, the default is Docker Hub.')
    .summary('Log out from a registry')
    .usage('[SERVER]')
    .argument('[server]')
    .action(async (server: string | undefined) => {
      const r = await logout(server);
      process.stdout.write(r.removed ? `Removing login credentials for ${r.server}\n` : `Not logged in to ${r.server}\n`);
    });
}
