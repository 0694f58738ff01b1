// `berth logs`: docker's flags for reading a container's output.
import type { Command } from 'commander';
import { containerLogs } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { refuseFlags } from './container-flags.ts';

export function defineLogs(program: Command): void {
  program
    .command('logs')
    .description('Fetch the logs of a container')
    .usage('[OPTIONS] CONTAINER')
    .argument('<container>')
    .option('--details', 'Show extra details provided to logs')
    .option('-f, --follow', 'Follow log output')
    .option('--since <string>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--until <string>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .action(async (container: string, flags: { follow?: boolean; tail?: string; timestamps?: boolean; details?: boolean; since?: string; until?: string }, cmd: Command) => {
      refuseFlags(flags, { details: '--details', since: '--since', until: '--until' });
      await containerLogs(globalOptions(cmd).root, container, flags, { stdout: process.stdout, stderr: process.stderr });
    });
}
