// `berth ps`: docker's flags for listing containers.
import type { Command } from 'commander';
import { listContainers, type ContainerSummary } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { humanDuration } from '../human.ts';
import { collect, parseInteger } from '../options.ts';
import { formatRows, type Column } from '../output.ts';
import { refuseFlags } from './container-flags.ts';

export function definePs(program: Command): void {
  program
    .command('ps')
    .description('List containers')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', "Format output using a custom template:\n'table': Print output in table format with column headers (default)\n'table TEMPLATE': Print output in table format using the given Go template\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template")
    .option('-n, --last <int>', 'Show n last created containers (includes all states)', parseInteger)
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .action(async (flags: PsFlags, cmd: Command) => {
      refuseFlags(flags, { size: '--size' });
      const last = flags.latest ? 1 : flags.last;
      const containers = await listContainers(globalOptions(cmd).root, {
        all: flags.all === true, filters: flags.filter ?? [], ...(last !== undefined ? { last } : {}),
      });
      process.stdout.write(formatContainers(containers, flags));
    });
}

interface PsFlags { all?: boolean; quiet?: boolean; trunc: boolean; format?: string; filter?: string[]; last?: number; latest?: boolean; size?: boolean }

/** docker's stringutils.Ellipsis: at most `max` characters, the last one '…' when cut. */
function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** docker's STATUS column: "Created", "Up 3 seconds", "Exited (0) 5 seconds ago". */
export function containerStatus(c: ContainerSummary, now = Date.now()): string {
  if (c.status === 'running') return `Up ${humanDuration(now - Date.parse(c.startedAt))}`;
  if (c.status === 'exited') return `Exited (${c.exitCode}) ${humanDuration(now - Date.parse(c.finishedAt))} ago`;
  return 'Created';
}

export function formatContainers(containers: readonly ContainerSummary[], flags: PsFlags, now = Date.now()): string {
  const id = (c: ContainerSummary): string => (flags.trunc ? c.id.slice(0, 12) : c.id);
  if (flags.quiet) return containers.map((c) => `${id(c)}\n`).join('');
  const columns: Array<Column<ContainerSummary>> = [
    { header: 'CONTAINER ID', field: 'ID', value: id },
    { header: 'IMAGE', field: 'Image', value: (c) => c.image },
    { header: 'COMMAND', field: 'Command', value: (c) => `"${flags.trunc ? ellipsis(c.command, 20) : c.command}"` },
    { header: 'CREATED', field: 'RunningFor', value: (c) => `${humanDuration(now - Date.parse(c.created))} ago` },
    { header: 'STATUS', field: 'Status', value: (c) => containerStatus(c, now) },
    { header: 'PORTS', field: 'Ports', value: (c) => c.ports.join(', ') },
    { header: 'NAMES', field: 'Names', value: (c) => c.name },
  ];
  return formatRows(columns, containers, flags.format);
}
