// Locates the shared conformance data that sits beside the repository (../shared), when present.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** The path of a conformance set, or undefined (tests then skip with a message). */
export function conformancePath(rel: string): string | undefined {
  const p = SHARED_DIR + 'conformance/' + rel;
  return existsSync(p) ? p : undefined;
}

export const SKIP_NO_SHARED = 'conformance data not found: ../shared/conformance is absent beside the repository';
