// `berth system`: docker's management verbs for the whole store (disk usage, prune).
import type { Command } from 'commander';
import { BerthError, diskUsage, systemCheck, type UsageRow } from '../../api/index.ts';
import { humanSize } from '../human.ts';
import { formatRows, type Column } from '../output.ts';
import { globalOptions } from '../globals.ts';
import { collect, notImplemented } from '../options.ts';

export function defineSystem(program: Command): void {
  const system = program.command('system').description('Manage berth').usage('COMMAND');
  system
    .command('df')
    .description('Show berth disk usage')
    .usage('[OPTIONS]')
    .option('--format <string>', "Format output using a custom template:\n'table': Print output in table format with column headers (default)\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template")
    .option('-v, --verbose', 'Show detailed information on space usage')
    .action(async (flags: { format?: string }, cmd: Command) => {
      process.stdout.write(formatUsage(await diskUsage(globalOptions(cmd).root), flags.format));
    });
  system
    .command('prune')
    .description('Remove unused data')
    .usage('[OPTIONS]')
    .option('-a, --all', 'Remove all unused images not just dangling ones')
    .option('--filter <filter>', 'Provide filter values (e.g. "label=<key>=<value>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--volumes', 'Prune anonymous volumes')
    .action(notImplemented);
  system
    .command('check')
    .description('Check the store: every blob hashes to its name, every reference resolves, no leftovers')
    .usage('[OPTIONS]')
    .option('--repair', 'Fix what can be fixed: remove corrupt blobs, broken image records and leftovers')
    .action(async (flags: { repair?: boolean }, cmd: Command) => {
      const problems = await systemCheck(globalOptions(cmd).root, { repair: flags.repair === true });
      for (const p of problems) process.stdout.write(`${p.kind}: ${p.subject}: ${p.detail}${p.repaired ? ' (repaired)' : ''}\n`);
      const open = problems.filter((p) => !p.repaired).length;
      if (problems.length === 0) process.stdout.write('the store is consistent\n');
      if (open > 0) throw new BerthError('INVALID_IMAGE', `${open} problem${open === 1 ? '' : 's'} found`, { hint: 'run `berth system check --repair` to fix them' });
    });
}

export function formatUsage(rows: readonly UsageRow[], format?: string): string {
  const pct = (r: UsageRow): string => (r.size === 0 ? '0B' : `${humanSize(r.reclaimable)} (${Math.round((100 * r.reclaimable) / r.size)}%)`);
  const columns: Array<Column<UsageRow>> = [
    { header: 'TYPE', field: 'Type', value: (r) => r.type },
    { header: 'TOTAL', field: 'TotalCount', value: (r) => String(r.total) },
    { header: 'ACTIVE', field: 'Active', value: (r) => String(r.active) },
    { header: 'SIZE', field: 'Size', value: (r) => humanSize(r.size) },
    { header: 'RECLAIMABLE', field: 'Reclaimable', value: pct },
  ];
  return formatRows(columns, rows, format);
}
