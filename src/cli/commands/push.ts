// `berth push`: docker's flags for uploading an image to a registry.
import type { Command } from 'commander';
import { BerthError, pushImage } from '../../api/index.ts';
import { globalOptions } from '../globals.ts';
import { RegistryProgress } from '../registry-progress.ts';
import { interruptSignal } from '../registry-signal.ts';

interface PushFlags {
  allTags?: boolean;
  platform?: string;
  quiet?: boolean;
}

export function definePush(program: Command): void {
  program
    .command('push')
    .description('Upload an image to a registry')
    .usage('[OPTIONS] NAME[:TAG]')
    .argument('<name>')
    .option('-a, --all-tags', 'Push all tags of an image to the repository')
    .option('--platform <string>', 'Push a platform-specific manifest as a single-platform image to the registry. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (name: string, flags: PushFlags, cmd: Command) => {
      if (flags.platform) throw new BerthError('NOT_IMPLEMENTED', 'push --platform is not supported yet: berth stores single-platform images, push the tag itself');
      if (flags.allTags && /:[^/]*$/.test(name)) {
        throw new BerthError('INVALID_ARGUMENT', 'tag can\'t be used with --all-tags/-a');
      }
      const progress = flags.quiet ? undefined : await RegistryProgress.create(process.stdout);
      const { signal, dispose } = interruptSignal();
      try {
        const pushed = await pushImage(globalOptions(cmd).root, name, {
          allTags: Boolean(flags.allTags), signal, ...(progress ? { onEvent: (e) => progress.handle(e) } : {}),
        });
        progress?.done();
        for (const p of pushed) {
          if (flags.quiet) process.stdout.write(`${p.tag}\n`);
          else process.stdout.write(`${p.tag.slice(p.tag.lastIndexOf(':') + 1)}: digest: ${p.digest} size: ${p.size}\n`);
        }
      } finally {
        progress?.done();
        dispose();
      }
    });
}
