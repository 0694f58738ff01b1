// `berth login`: docker's flags for storing registry credentials.
import type { Command } from 'commander';
import { BerthError, hasStoredLogin, login } from '../../api/index.ts';
import { ask } from '../prompt.ts';
import { readStdinText } from '../stdin.ts';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

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
    .action(async (server: string | undefined, flags: LoginFlags) => {
      let password = flags.password;
      if (flags.passwordStdin) {
        if (password !== undefined) throw new BerthError('INVALID_ARGUMENT', '--password and --password-stdin are mutually exclusive');
        if (flags.username === undefined) throw new BerthError('INVALID_ARGUMENT', 'Must provide --username with --password-stdin');
        // docker trims the trailing newline (and carriage return) an `echo` or a file leaves.
        password = (await readStdinText()).replace(/\r?\n$/, '');
      } else if (password !== undefined) {
        process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      }
      let username = flags.username;
      const tty = Boolean(process.stdin.isTTY);
      if (username !== undefined && password === undefined) {
        if (!tty) throw new BerthError('INVALID_ARGUMENT', 'Cannot perform an interactive login from a non TTY device', { hint: 'give the password with --password-stdin' });
        password = await ask('Password: ', { hidden: true });
      }
      if (username === undefined && password === undefined && tty && !(await hasStoredLogin(server))) {
        // docker's interactive login: ask for what the flags did not give.
        username = (await ask('Username: ')).trim();
        password = await ask('Password: ', { hidden: true });
      }
      const r = await login(server, { username, password });
      if (r.reused) process.stdout.write('Authenticating with existing credentials...\n');
      process.stdout.write('Login Succeeded\n');
    });
}
