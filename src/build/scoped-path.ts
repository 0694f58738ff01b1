// mkdir -p of a container path inside a rootfs, symlinks resolved in scope (never out to the host).
import { mkdir } from 'node:fs/promises';
import { resolveInRoot } from '../runtime/index.ts';

export async function mkdirInRoot(root: string, p: string, mode = 0o755): Promise<string> {
  const host = (await resolveInRoot(root, p)).path;
  await mkdir(host, { recursive: true, mode });
  return host;
}
