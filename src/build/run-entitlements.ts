// RUN --network=host and --security=insecure need the build to allow them (`--allow network.host`,
// `--allow security.insecure`), checked before the step runs or is taken from the cache.
//
// network.host: berth follows `docker build` as it is since Engine 23 (buildx): the step needs
// `--allow network.host`, which `--network host` implies (buildx adds the entitlement for it).
import type { RunInstruction } from '../dockerfile/instructions/index.ts';
import { BerthError } from '../util/errors.ts';

export type Entitlement = 'network.host' | 'security.insecure';

export function checkRunEntitlements(inst: RunInstruction, allowed: ReadonlySet<Entitlement>, buildNetwork: string): void {
  if (inst.network === 'host' && !allowed.has('network.host') && buildNetwork !== 'host') {
    throw new BerthError('BUILD_FAILED', 'network.host is not allowed', {
      range: inst.range, hint: 'RUN --network=host needs the build to allow it: berth build --allow network.host',
    });
  }
  if (inst.security === 'insecure' && !allowed.has('security.insecure')) {
    throw new BerthError('BUILD_FAILED', 'security.insecure is not allowed', {
      range: inst.range, hint: 'RUN --security=insecure runs the step privileged; allow it with berth build --allow security.insecure',
    });
  }
}
