// `berth load`: docker's flags for reading images from a tar archive.
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { BerthError, loadImages } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { collect } from '../options.ts';

export function defineLoad(program: Command): void {
  program
    .command('load')
    .description('Load an image from a tar archive or STDIN')
    .usage('[OPTIONS]')
    .option('-i, --input <string>', 'Read from tar archive file, instead of STDIN')
    .option('--platform <platform>', 'Load only the given platform(s). Formatted as a comma-separated list of "os[/arch[/variant]]" (e.g., "linux/amd64,linux/arm64/v8")', collect)
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (flags: { input?: string; quiet?: boolean }, cmd: Command) => {
      let source: NodeJS.ReadableStream = process.stdin;
      if (flags.input !== undefined) {
        const st = await stat(flags.input).catch(() => undefined);
        if (!st?.isFile()) throw new BerthError('NOT_FOUND', `open ${flags.input}: no such file`, { hint: 'give the archive written by `berth save` or `docker save` with -i' });
        source = createReadStream(flags.input);
      } else if (process.stdin.isTTY) {
        throw new BerthError('INVALID_ARGUMENT', 'requested load from stdin, but stdin is empty', { hint: 'pipe an archive in, or use -i FILE' });
      }
      const images = await loadImages(globalOptions(cmd).root, source as never);
      if (flags.quiet) return;
      for (const img of images) {
        if (img.tags.length === 0) process.stdout.write(`Loaded image ID: ${img.id}\n`);
        for (const t of img.tags) process.stdout.write(`Loaded image: ${t}\n`);
      }
    });
}
