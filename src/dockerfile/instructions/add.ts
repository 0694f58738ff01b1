// ADD [--chown] [--chmod] [--link] [--parents] [--exclude] [--checksum] [--keep-git-dir] [--unpack] src... dest
import { base, fail, flagsOf, type KeywordParser } from './contract.ts';
import { COPY_FLAG_SPEC, copyFlags, sourcesAndDest } from './copy-flags.ts';
import { InstructionError } from './instruction-error.ts';

const REMOTE = /^(https?:\/\/|git@|git:\/\/)/;

export const parseAdd: KeywordParser = (node) => {
  const flags = flagsOf(node, { ...COPY_FLAG_SPEC, checksum: 'string', 'keep-git-dir': 'bool', unpack: 'bool' });
  const { sources, dest } = sourcesAndDest(node);
  const checksum = flags.string('checksum');
  if (checksum !== undefined) {
    if (!/^(sha256|sha384|sha512):[a-f0-9]+$/.test(checksum) && !/^[a-f0-9]{40}([a-f0-9]{24})?$/.test(checksum)) {
      throw new InstructionError('DOCKERFILE_FLAG', `invalid --checksum "${checksum}"`, flags.node('checksum')!.range, 'use sha256:<hex> (or a git commit hash for a git source)');
    }
    if (!sources.every((s) => REMOTE.test(s))) fail(node, 'ADD --checksum can only be used with an HTTP(S) or git source');
  }
  return {
    kind: 'add', ...base(node), ...copyFlags(flags), sources, dest, checksum,
    keepGitDir: flags.bool('keep-git-dir'), unpack: flags.maybeBool('unpack'), heredocs: node.heredocs,
  };
};
