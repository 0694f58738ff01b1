// Choosing and reading the ignore file for a build: `<Dockerfile>.dockerignore` first, then `<context>/.dockerignore`.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import { emptyIgnoreRules, parseDockerignore, type IgnoreRules } from './dockerignore.ts';

/** Which file supplied the rules. */
export type IgnoreFileSource = 'dockerfile' | 'context' | 'none';

export interface IgnoreFile {
  readonly rules: IgnoreRules;
  readonly source: IgnoreFileSource;
  /** Absolute path of the file read, when there was one. */
  readonly path: string | undefined;
}

/**
 * Finds and parses the ignore file as BuildKit does: `<dockerfile path>.dockerignore` (for the
 * default `<context>/Dockerfile` that is `<context>/Dockerfile.dockerignore`) is used *instead of*
 * `<context>/.dockerignore` when it exists; the two are never merged. A relative `dockerfilePath`
 * is resolved against the current directory, as `docker build -f` does.
 */
export async function readIgnoreFile(contextDir: string, dockerfilePath?: string): Promise<IgnoreFile> {
  const dockerfile = path.resolve(dockerfilePath ?? path.join(contextDir, 'Dockerfile'));
  const candidates: [IgnoreFileSource, string][] = [
    ['dockerfile', `${dockerfile}.dockerignore`],
    ['context', path.resolve(contextDir, '.dockerignore')],
  ];
  for (const [source, file] of candidates) {
    const text = await readIfPresent(file);
    if (text !== undefined) return { rules: parseDockerignore(text, file), source, path: file };
  }
  return { rules: emptyIgnoreRules(), source: 'none', path: undefined };
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new BerthError('CONTEXT', `cannot read ignore file ${file}: ${(e as Error).message}`, { cause: e, file });
  }
}
