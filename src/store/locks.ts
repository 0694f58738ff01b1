// Cross-process locks on one store: Linux OFD byte-range locks on store.lock, which the kernel drops
// when a process dies (no stale lock files). Byte 0 guards garbage collection: every writer holds it
// shared for its whole operation, prune holds it exclusive. Byte 1 serializes updates of refs.json;
// byte 2 serializes changes to the containers' records (names must stay unique); byte 3 the
// read-modify-write of the registry hint files (where blobs came from, which gzip stands for what).
import { open, type FileHandle } from 'node:fs/promises';
import { nativeLocks } from './native-locks.ts';

export type LockRange = 'gc' | 'refs' | 'containers' | 'hints';
const OFFSET: Record<LockRange, number> = { gc: 0, refs: 1, containers: 2, hints: 3 };

export class StoreLocks {
  private constructor(private readonly file: string) {}

  static create(file: string): StoreLocks {
    return new StoreLocks(file);
  }

  /**
   * Runs `fn` holding the lock. Each call opens its own file description, so two holders in one
   * process exclude each other exactly as two processes do.
   */
  async with<T>(range: LockRange, mode: 'shared' | 'exclusive', fn: () => Promise<T>): Promise<T> {
    const fh: FileHandle = await open(this.file, 'a+', 0o600);
    try {
      await nativeLocks().waitForLock(fh.fd, OFFSET[range], 1, { shared: mode === 'shared' });
      return await fn();
    } finally {
      await fh.close(); // closing the description releases its OFD locks
    }
  }
}
