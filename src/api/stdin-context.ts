// `berth build -`: standard input is either a Dockerfile (the build then has an empty context) or a
// tar archive of the whole context (plain, gzip, bzip2, xz or zstd), told apart by content as docker
// does. Both land in a temp dir under the store's tmp, which a killed berth's successor removes.
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DestFs } from '../build/copy/dest.ts';
import { cleanRooted } from '../build/copy/scoped-path.ts';
import { unpackIfArchive } from '../build/copy/unpack.ts';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { openStore } from './image-resolve.ts';
import { makeDirs } from '../util/make-dirs.ts';

/** docker reads at most this much of a Dockerfile given on stdin (its own limit is on the whole context). */
const MAX_DOCKERFILE_BYTES = 16 << 20;

export interface StdinContext {
  /** The context directory to build from. */
  contextDir: string;
  /** The Dockerfile's path, when it came inside the archive. */
  dockerfile?: string;
  /** The Dockerfile's text, when standard input was the Dockerfile itself. */
  dockerfileText?: string;
  /** Removes the temp dir. */
  dispose(): Promise<void>;
}

/**
 * Reads a build context or a Dockerfile from `input`. `dockerfile` is `-f`: a path inside the
 * archive (default "Dockerfile"); with a plain Dockerfile on stdin it must be left out. `source`
 * names the input in errors (a remote context passes its URL).
 */
export async function contextFromStream(root: string, input: Readable, dockerfile?: string, source = 'standard input'): Promise<StdinContext> {
  if (dockerfile === '-') {
    throw new BerthError('INVALID_ARGUMENT', "can't use stdin for both the build context and the Dockerfile", { hint: 'give the context as a directory, or the Dockerfile inside the archive on stdin' });
  }
  const store = await openStore(root);
  const dir = tempName(store.layout.tmpDir, 'stdin-context');
  const dispose = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const contextDir = path.join(dir, 'context');
    const received = path.join(dir, 'stdin');
    await makeDirs(contextDir, 0o700);
    await pipeline(input, createWriteStream(received, { mode: 0o600 }));
    const warnings: string[] = [];
    if (await unpackIfArchive(received, new DestFs(contextDir), async () => [], undefined, warnings)) {
      await rm(received);
      // -f names a file inside the archive, rooted there as docker does (`..` stops at the root).
      const inside = cleanRooted(dockerfile ?? 'Dockerfile');
      return { contextDir, dockerfile: path.join(contextDir, ...inside), dispose };
    }
    if (dockerfile !== undefined) {
      throw new BerthError('INVALID_ARGUMENT', `${source} is a Dockerfile, not a context archive, so -f ${dockerfile} names nothing`, { hint: 'leave out -f, or give a tar archive of the context' });
    }
    const size = (await stat(received)).size;
    if (size > MAX_DOCKERFILE_BYTES) {
      throw new BerthError('INVALID_ARGUMENT', `${source} is neither a tar archive nor a Dockerfile of at most ${MAX_DOCKERFILE_BYTES >> 20} MiB (it has ${size} bytes)`);
    }
    return { contextDir, dockerfileText: await readFile(received, 'utf8'), dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
