// `berth pull`: docker's flags for downloading an image from a registry.
import type { Command } from 'commander';
import { pullAllTags, pullImage } from '../../api/index.ts';
import type { RegistryEvent } from '../../api/index.ts';
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
      const progress = flags.quiet ? undefined : await RegistryProgress.create(process.stdout);
      const { signal, dispose } = interruptSignal();
      try {
        const opts = { ...(flags.platform ? { platform: flags.platform } : {}), signal, ...(progress ? { onEvent: (e: RegistryEvent) => progress.handle(e) } : {}) };
        const results = flags.allTags ? await pullAllTags(globalOptions(cmd).root, name, opts) : [await pullImage(globalOptions(cmd).root, name, opts)];
        progress?.done();
        if (progress && !flags.allTags) {
          const r = results[0]!;
          const shown = r.reference.startsWith('docker.io/') ? name.replace(/^docker\.io\//, '') : r.reference;
          process.stdout.write(`Digest: ${r.digest}\n`);
          process.stdout.write(`Status: ${r.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${shown.includes(':') || shown.includes('@') ? shown : `${shown}:latest`}\n`);
        } else if (progress) {
          for (const r of results) process.stdout.write(`Digest: ${r.digest}\n`);
          process.stdout.write(`Status: ${results.some((r) => r.updated) ? 'Downloaded newer image' : 'Image is up to date'} for ${name}\n`);
        }
        process.stdout.write(flags.allTags ? `${results[0]!.reference.replace(/:[^:/]+$/, '')}\n` : `${results[0]!.reference}\n`);
      } finally {
        progress?.done();
        dispose();
      }
    });
}
