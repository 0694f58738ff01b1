// COPY [--from] [--chown] [--chmod] [--link] [--parents] [--exclude] src... dest
import { base, flagsOf, type KeywordParser } from './contract.ts';
import { COPY_FLAG_SPEC, copyFlags, sourcesAndDest } from './copy-flags.ts';
import { InstructionError } from './instruction-error.ts';

export const parseCopy: KeywordParser = (node) => {
  const flags = flagsOf(node, { ...COPY_FLAG_SPEC, from: 'string' });
  const from = flags.string('from');
  if (from === '') throw new InstructionError('DOCKERFILE_FLAG', 'COPY --from needs a stage name, index or image', flags.node('from')!.range);
  return { kind: 'copy', ...base(node), ...copyFlags(flags), ...sourcesAndDest(node), from, heredocs: node.heredocs };
};
