// How each instruction is recorded in the image history (`created_by`), in BuildKit's wording, so
// `berth history` and `docker history` read the same.
import type { Instruction } from '../dockerfile/instructions/index.ts';
import type { ContainerConfig } from '../oci/index.ts';

export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/** `created_by` for a step, given the config after it (for the forms BuildKit prints from it). */
export function createdBy(inst: Instruction, after: ContainerConfig, runArgs?: readonly string[]): string {
  switch (inst.kind) {
    case 'run':
      return `RUN ${(runArgs ?? []).join(' ')} # buildkit`;
    case 'copy':
    case 'add':
      return `${inst.original} # buildkit`;
    case 'cmd':
      return `CMD ${JSON.stringify(after.Cmd ?? [])}`;
    case 'entrypoint':
      return `ENTRYPOINT ${JSON.stringify(after.Entrypoint ?? [])}`;
    case 'expose':
      return `EXPOSE map[${Object.keys(after.ExposedPorts ?? {}).map((p) => `${p}:{}`).join(' ')}]`;
    case 'volume':
      return `VOLUME ${JSON.stringify(inst.paths)}`;
    case 'shell':
      return `SHELL ${JSON.stringify(inst.shell)}`;
    case 'healthcheck':
      return `HEALTHCHECK &{${JSON.stringify(after.Healthcheck?.Test ?? [])} ...}`;
    default:
      return inst.original.replace(/^\S+/, inst.kind.toUpperCase());
  }
}
