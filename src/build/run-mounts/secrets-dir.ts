// Where a step's secrets live while it runs: a tmpfs mounted at <root>/tmp/.s-<pid>-<random>,
// so a secret never reaches a disk, a layer or a leftover file. Its files are bound read-only into
// the container; the runc bundle (whose config.json holds `env=` secrets) is written there too.
// Removed right after the step; after a SIGKILL, the next berth start finds the dir by its name
// (a dead pid) and unmounts and removes it with the other dead leftovers.
import { execFile } from 'node:child_process';
import { chown, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempName } from '../../util/atomic-file.ts';
import { BerthError } from '../../util/errors.ts';
import { makeDirs } from '../../util/make-dirs.ts';

const run = promisify(execFile);

/** BuildKit's limit on one secret (secretsprovider.MaxSecretSize); the tmpfs holds a few of them and a bundle. */
export const MAX_SECRET_BYTES = 500 * 1024;

export interface SecretsDir {
  readonly dir: string;
  /** Writes one secret file (mode, owner as the mount asks) and returns its host path. */
  write(name: string, data: Buffer, mode: number, uid: number, gid: number): Promise<string>;
  release(): Promise<void>;
}

export async function createSecretsDir(tmpDir: string, count: number): Promise<SecretsDir> {
  // A short name: the runc bundle inside it holds a unix socket, whose path must stay under 108 bytes.
  const dir = tempName(tmpDir, 's');
  await makeDirs(dir, 0o700);
  const size = (count + 1) * MAX_SECRET_BYTES + 1024 * 1024;
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700,nodev,nosuid`, 'tmpfs', dir]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new BerthError('RUNTIME', `cannot mount a tmpfs for the build's secrets: ${(e as { stderr?: string }).stderr?.trim() ?? (e as Error).message}`, { cause: e });
  }
  let n = 0;
  return {
    dir,
    async write(name, data, mode, uid, gid) {
      const file = path.join(dir, `${n++}-${name.replace(/[^\w.-]/g, '_')}`);
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(data);
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
      await chown(file, uid, gid);
      return file;
    },
    async release() {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]).catch(() => undefined));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
