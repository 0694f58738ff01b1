// `berth history`: docker's flags for showing how an image was built.
import type { Command } from 'commander';
import { notImplemented } from '../options.ts';

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
    .action(notImplemented);
}
