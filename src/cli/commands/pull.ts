// `berth pull`: docker's flags for downloading an image from a registry.
import type { Command } from 'commander';
import { BerthError, pullImage } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { RegistryProgress } from '../registry-progress.ts';
import { interruptSignal } from '../registry-signal.ts';

interface PullFlags {
  allTags?: boolean;
  platform?: string;
  quiet?: boolean;
}

export function definePull(program: Command): void {
  program
    .command('pull')
    .description('Download an image from a registry')
    .usage('[OPTIONS] NAME[:TAG|@DIGEST]')
    .argument('<name>')
    .option('-a, --all-tags', 'Download all tagged images in the repository')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (name: string, flags: PullFlags, cmd: Command) => {
      if (flags.allTags) throw new BerthError('NOT_IMPLEMENTED', 'pull --all-tags is not supported yet', { hint: 'pull each tag by name' });
      const progress = flags.quiet ? undefined : new RegistryProgress(process.stdout);
      const { signal, dispose } = interruptSignal();
      try {
        const r = await pullImage(globalOptions(cmd).root, name, {
          ...(flags.platform ? { platform: flags.platform } : {}), signal, ...(progress ? { onEvent: (e) => progress.handle(e) } : {}),
        });
        const shown = r.reference.startsWith('docker.io/') ? name.replace(/^docker\.io\//, '') : r.reference;
        if (progress) {
          progress.done();
          process.stdout.write(`Digest: ${r.digest}\n`);
          process.stdout.write(`Status: ${r.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${shown.includes(':') || shown.includes('@') ? shown : `${shown}:latest`}\n`);
        }
        process.stdout.write(`${r.reference}\n`);
      } finally {
        progress?.done();
        dispose();
      }
    });
}
