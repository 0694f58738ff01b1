// `berth images`: docker's flags for listing images.
import type { Command } from 'commander';
import { collect } from '../options.ts';
import { listImages, type ImageSummary } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { humanAge, humanSize, shortId } from '../human.ts';
import { formatRows, type Column } from '../output.ts';

export function defineImages(program: Command): void {
  program
    .command('images')
    .description('List images')
    .usage('[OPTIONS] [REPOSITORY[:TAG]]')
    .argument('[repository]', 'only images of this repository (and tag)')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('--digests', 'Show digests')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template:\n\'table\': Print output in table format with column headers (default)\n\'table TEMPLATE\': Print output in table format using the given Go template\n\'json\': Print in JSON format\n\'TEMPLATE\': Print output using the given Go template')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .action(async (repository: string | undefined, flags: ImagesFlags, cmd: Command) => {
      const images = await listImages(globalOptions(cmd).root, repository, flags.filter ?? []);
      process.stdout.write(formatImages(images, flags));
    });
}

interface ImagesFlags { all?: boolean; filter?: string[]; digests?: boolean; format?: string; trunc: boolean; quiet?: boolean }

interface Row { repository: string; tag: string; image: ImageSummary }

export function formatImages(images: readonly ImageSummary[], flags: ImagesFlags, now = Date.now()): string {
  const id = (i: ImageSummary): string => (flags.trunc ? shortId(i.id) : i.id);
  if (flags.quiet) return [...new Set(images.map(id))].map((x) => x + '\n').join('');
  const rows: Row[] = [];
  for (const image of images) {
    if (image.repoTags.length === 0) rows.push({ repository: '<none>', tag: '<none>', image });
    for (const t of image.repoTags) {
      const colon = t.lastIndexOf(':');
      rows.push({ repository: t.slice(0, colon), tag: t.slice(colon + 1), image });
    }
  }
  const columns: Array<Column<Row>> = [
    { header: 'REPOSITORY', field: 'Repository', value: (r) => r.repository },
    { header: 'TAG', field: 'Tag', value: (r) => r.tag },
    ...(flags.digests ? [{ header: 'DIGEST', field: 'Digest', value: (r: Row) => r.image.manifest }] : []),
    { header: 'IMAGE ID', field: 'ID', value: (r) => id(r.image) },
    { header: 'CREATED', field: 'CreatedSince', value: (r) => humanAge(r.image.created, now) },
    { header: 'SIZE', field: 'Size', value: (r) => humanSize(r.image.size) },
  ];
  return formatRows(columns, rows, flags.format);
}
