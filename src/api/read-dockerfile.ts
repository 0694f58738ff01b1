// Reading the Dockerfile of a build: `-f FILE` (relative to the current directory, as docker), the
// context's Dockerfile by default, or text that came from stdin; errors say what to pass instead.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';

export interface DockerfileSource {
  /** The build context directory. */
  contextDir: string;
  /** Path of the Dockerfile (default `<contextDir>/Dockerfile`), or '-' when `dockerfileText` came from stdin. */
  dockerfile?: string | undefined;
  /** The Dockerfile's text when it was not read from a file (`-f -`). */
  dockerfileText?: string | undefined;
}

export async function readDockerfile(opts: DockerfileSource): Promise<{ file: string; text: string }> {
  if (opts.dockerfile === '-' || opts.dockerfileText !== undefined) return { file: 'Dockerfile', text: opts.dockerfileText ?? '' };
  const ctx = await stat(opts.contextDir).catch(() => undefined);
  if (!ctx?.isDirectory()) {
    throw new BerthError('CONTEXT', `unable to prepare context: path "${opts.contextDir}" not found`, { hint: 'give the build context directory as the last argument, e.g. berth build .' });
  }
  // Like docker, -f is relative to the current directory; the default is CONTEXT/Dockerfile.
  const file = opts.dockerfile ?? path.join(opts.contextDir, 'Dockerfile');
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BerthError('NOT_FOUND', code === 'ENOENT' ? `cannot read the Dockerfile: ${file} does not exist` : `cannot read the Dockerfile ${file}: ${code ?? (e as Error).message}`, {
      cause: e, hint: code === 'ENOENT' ? 'name it with -f, or put a Dockerfile in the context directory' : undefined,
    });
  }
}
