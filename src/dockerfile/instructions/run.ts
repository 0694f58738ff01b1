// RUN [--mount=...] [--network=...] [--security=...] command (shell, exec or heredoc form)
import { base, commandOf, fail, flagsOf, type KeywordParser } from './contract.ts';
import { InstructionError } from './instruction-error.ts';
import { parseMount } from './mount.ts';

const NETWORKS = ['default', 'none', 'host'] as const;
const SECURITY = ['sandbox', 'insecure'] as const;

export const parseRun: KeywordParser = (node) => {
  const flags = flagsOf(node, { mount: 'list', network: 'string', security: 'string' });
  if (node.args.length === 0 && node.heredocs.length === 0) fail(node, 'RUN requires at least one argument', 'give the command to run, e.g. RUN make');
  // Each --mount is parsed on its own so that an error points at the flag that holds it.
  const mountFlags = node.flags.filter((f) => f.name === 'mount');
  let sshIndex = 0;
  const mounts = mountFlags.map((f) => {
    const mount = parseMount(f.value ?? '', f.range, sshIndex);
    if (mount.type === 'ssh') sshIndex++;
    return mount;
  });
  const targets = new Set<string>();
  mounts.forEach((m, i) => {
    if (m.target === '') return;
    if (targets.has(m.target)) throw new InstructionError('DOCKERFILE_FLAG', `RUN --mount: two mounts have the target ${m.target}`, mountFlags[i]!.range);
    targets.add(m.target);
  });
  const network = flags.string('network');
  if (network !== undefined && !(NETWORKS as readonly string[]).includes(network)) {
    throw new InstructionError('DOCKERFILE_FLAG', `RUN --network: unsupported value "${network}"`, flags.node('network')!.range, 'use default, none or host');
  }
  const security = flags.string('security');
  if (security !== undefined && !(SECURITY as readonly string[]).includes(security)) {
    throw new InstructionError('DOCKERFILE_FLAG', `RUN --security: unsupported value "${security}"`, flags.node('security')!.range, 'use sandbox or insecure');
  }
  return {
    kind: 'run', ...base(node), command: commandOf(node), mounts,
    network: network as (typeof NETWORKS)[number] | undefined,
    security: security as (typeof SECURITY)[number] | undefined,
    heredocs: node.heredocs,
  };
};
