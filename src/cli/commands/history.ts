// `berth history`: docker's flags for showing how an image was built.
import type { Command } from 'commander';
import { imageHistory, type HistoryRow } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { humanAge, humanSize, shortId } from '../human.ts';
import { formatRows, type Column } from '../output.ts';

export function defineHistory(program: Command): void {
  program
    .command('history')
    .description('Show the history of an image')
    .usage('[OPTIONS] IMAGE')
    .argument('<image>')
    .option('--format <string>', "Format output using a custom template:\n'table': Print output in table format with column headers (default)\n'json': Print in JSON format\n'TEMPLATE': Print output using the given Go template")
    .option('-H, --human', 'Print sizes and dates in human readable format', true)
    .option('--no-human', 'Print sizes in bytes and dates in RFC 3339 (docker: -H=false)')
    .option('--no-trunc', "Don't truncate output")
    .option('--platform <string>', 'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (image: string, flags: HistoryFlags, cmd: Command) => {
      const rows = await imageHistory(globalOptions(cmd).root, image);
      process.stdout.write(formatHistory(rows, flags));
    });
}

interface HistoryFlags { format?: string; human: boolean; trunc: boolean; quiet?: boolean }

export function formatHistory(rows: readonly HistoryRow[], flags: HistoryFlags, now = Date.now()): string {
  const id = (r: HistoryRow): string => (r.id === '<missing>' || !flags.trunc ? r.id : shortId(r.id));
  if (flags.quiet) return rows.map((r) => id(r) + '\n').join('');
  const createdBy = (r: HistoryRow): string => {
    const text = r.createdBy.replace(/\t/g, ' '); // docker turns tabs into spaces, nothing else
    return flags.trunc && text.length > 45 ? text.slice(0, 44) + '…' : text;
  };
  const columns: Array<Column<HistoryRow>> = [
    { header: 'IMAGE', field: 'ID', value: id },
    { header: 'CREATED', field: 'CreatedSince', value: (r) => (flags.human ? humanAge(r.created, now) : r.created ?? '') },
    { header: 'CREATED BY', field: 'CreatedBy', value: createdBy },
    { header: 'SIZE', field: 'Size', value: (r) => (flags.human ? humanSize(r.size) : String(r.size)) },
    { header: 'COMMENT', field: 'Comment', value: (r) => r.comment },
  ];
  return formatRows(columns, rows, flags.format);
}
