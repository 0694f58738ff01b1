// ADD [--chown] [--chmod] [--link] [--exclude] [--checksum] [--keep-git-dir] [--unpack] src... dest
// (no --from and no --parents: docker rejects both as unknown flags for ADD).
import { base, flagsOf, type KeywordParser } from './contract.ts';
import { COPY_FLAG_SPEC, copyFlags, sourcesAndDest } from './copy-flags.ts';
import { InstructionError } from './instruction-error.ts';

const { parents: _parents, ...ADD_COPY_FLAGS } = COPY_FLAG_SPEC;
const REMOTE = /^(https?:\/\/|git@|git:\/\/)/;
/** Hex digits per digest algorithm, as docker's digest parser requires them. */
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function validChecksum(text: string): boolean {
  const digest = /^([a-z0-9]+):([a-f0-9]+)$/.exec(text);
  if (digest) return DIGEST_HEX[digest[1]!] === digest[2]!.length;
  return /^[a-f0-9]{40}([a-f0-9]{24})?$/.test(text); // a git commit (SHA-1 or SHA-256)
}

// Values holding a variable are expanded by the build (docker expands --checksum and the sources
// before checking them), so they are only checked here when they are literal.
const hasVariable = (s: string): boolean => s.includes('$');

export const parseAdd: KeywordParser = (node) => {
  const flags = flagsOf(node, { ...ADD_COPY_FLAGS, checksum: 'string', 'keep-git-dir': 'bool', unpack: 'bool' });
  const { sources, dest } = sourcesAndDest(node);
  const checksum = flags.string('checksum');
  if (checksum !== undefined) {
    const range = flags.node('checksum')!.range;
    if (!hasVariable(checksum) && !validChecksum(checksum)) {
      throw new InstructionError('DOCKERFILE_FLAG', `invalid --checksum "${checksum}"`, range, 'use sha256:<64 hex digits> (sha384, sha512), or a git commit hash for a git source');
    }
    if (sources.length !== 1) throw new InstructionError('DOCKERFILE_FLAG', 'ADD --checksum can\'t be specified for multiple sources', range);
    if (!hasVariable(sources[0]!) && !REMOTE.test(sources[0]!)) {
      throw new InstructionError('DOCKERFILE_FLAG', 'ADD --checksum requires an HTTP(S) or git source', range);
    }
  }
  return {
    kind: 'add', ...base(node), ...copyFlags(flags), sources, dest, checksum,
    keepGitDir: flags.bool('keep-git-dir'), unpack: flags.maybeBool('unpack'), heredocs: node.heredocs,
  };
};
