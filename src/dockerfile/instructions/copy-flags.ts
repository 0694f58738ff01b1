// What COPY and ADD share: sources and destination (with heredoc sources), --chown/--chmod/--link/
// --parents/--exclude.
import type { InstructionNode } from '../syntax/index.ts';
import { fail, upper } from './contract.ts';
import type { FlagValues } from './flags.ts';
import { InstructionError } from './instruction-error.ts';
import type { CopyFlags } from './types.ts';

export const COPY_FLAG_SPEC = { chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'list' } as const;

function validChmod(mode: string): boolean {
  if (/^[0-7]+$/.test(mode)) return parseInt(mode, 8) <= 0o7777;
  return /^[ugoa]*[+=-][rwxXst]*(,[ugoa]*[+=-][rwxXst]*)*$/.test(mode);
}

export function copyFlags(flags: FlagValues): CopyFlags {
  const chmod = flags.string('chmod');
  // Octal modes (any number of octal digits up to 07777, as docker parses them) and the shape of
  // symbolic modes (u+x) are checked here; a value with a variable is expanded and checked by the build.
  if (chmod !== undefined && !chmod.includes('$') && !validChmod(chmod)) {
    throw new InstructionError('DOCKERFILE_FLAG', `invalid --chmod value "${chmod}"`, flags.node('chmod')!.range, 'use an octal mode between 0 and 07777 such as 0755, or a symbolic one such as u+x');
  }
  const chown = flags.string('chown');
  if (chown === '') throw new InstructionError('DOCKERFILE_FLAG', '--chown needs a user, user:group, uid or uid:gid', flags.node('chown')!.range);
  return { chown, chmod, link: flags.bool('link'), parents: flags.bool('parents'), excludes: flags.list('exclude') };
}

export function sourcesAndDest(node: InstructionNode): { sources: string[]; dest: string } {
  if (node.args.length < 2) {
    fail(node, `${upper(node)} requires at least two arguments, but got ${node.args.length}`, `write it as ${upper(node)} <src>... <dest>`);
  }
  const dest = node.args[node.args.length - 1]!;
  return { sources: node.args.slice(0, -1), dest };
}
