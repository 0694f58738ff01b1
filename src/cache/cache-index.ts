// The build cache index: step key → the build state after that step. Disposable and rebuildable:
// a record whose blobs are gone is a miss, never an error; the blobs in the store are the truth.
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { makeDirs } from '../util/make-dirs.ts';

export class CacheIndex<T> {
  constructor(private readonly dir: string, private readonly tmpDir: string) {}

  private file(key: string): string {
    return path.join(this.dir, key.replace(/^sha256:/, '') + '.json');
  }

  async get(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.file(key), 'utf8')) as T;
    } catch {
      return undefined; // missing or torn by a crash: a miss
    }
  }

  async put(key: string, value: T): Promise<void> {
    await makeDirs(this.dir);
    await writeFileAtomic(this.file(key), JSON.stringify(value), this.tmpDir, { durable: false });
  }

  /** Every record that reads back whole (torn ones are left out, as get() misses them). */
  async values(): Promise<T[]> {
    const out: T[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue;
      const v = await this.get(name.slice(0, -'.json'.length));
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** Removes every record; returns how many there were. */
  async clear(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await rm(this.dir, { recursive: true, force: true });
    return names.length;
  }

  async size(): Promise<number> {
    return (await readdir(this.dir).catch(() => [] as string[])).length;
  }
}
