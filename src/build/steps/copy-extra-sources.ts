// The sources of a COPY/ADD that are not paths: heredoc bodies (files BuildKit creates 0644 in a
// scratch state), git repositories and http(s) files (ADD), each staged in a temporary directory to
// copy from.
import { chmod, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempName } from '../../util/atomic-file.ts';
import { BerthError } from '../../util/errors.ts';
import { checkoutCommit, resolveCommit } from '../git/checkout.ts';
import { parseGitRef, type GitRef } from '../git/ref.ts';
import type { InlineFile } from '../heredoc.ts';
import { makeDirs } from '../../util/make-dirs.ts';

export interface GitSource {
  source: string;
  ref: GitRef;
  commit: string;
}

/**
 * The git sources among an instruction's (expanded) sources, each resolved to its commit; the
 * rest are paths. `--checksum` must be a prefix of the resolved commit (BuildKit's check of a git
 * source's checksum).
 */
export async function gitSources(kind: 'copy' | 'add', sources: readonly string[], checksum: string | undefined, signal?: AbortSignal): Promise<{ paths: string[]; git: GitSource[]; urls: string[] }> {
  const paths: string[] = [];
  const git: GitSource[] = [];
  const urls: string[] = [];
  for (const source of sources) {
    const ref = parseGitRef(source);
    if (!ref && /^https?:\/\//.test(source)) {
      if (kind === 'copy') throw new BerthError('INVALID_ARGUMENT', `source can't be a URL for COPY: ${source}`, { hint: 'use ADD to download a file' });
      urls.push(source);
      continue;
    }
    if (!ref) {
      paths.push(source);
      continue;
    }
    if (kind === 'copy') throw new BerthError('INVALID_ARGUMENT', `source can't be a git ref for COPY: ${source}`, { hint: 'use ADD to add a git repository' });
    const commit = await resolveCommit(ref, signal);
    if (checksum !== undefined && !commit.startsWith(checksum)) {
      throw new BerthError('GIT_SOURCE', `expected checksum to match ${checksum}, got ${commit}`, { hint: `${source} resolves to commit ${commit}` });
    }
    git.push({ source, ref, commit });
  }
  return { paths, git, urls };
}

/** Runs `fn` with a temporary directory under `tmpRoot`, removed afterwards. */
export async function withTempDir<T>(tmpRoot: string, what: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempName(tmpRoot, what);
  await makeDirs(dir, 0o755);
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the heredoc files (mode 0644) into `dir`; returns their names. */
export async function stageInlineFiles(dir: string, files: readonly InlineFile[]): Promise<string[]> {
  for (const f of files) {
    if (f.name.includes('/') || f.name === '.' || f.name === '..') {
      throw new BerthError('INVALID_ARGUMENT', `heredoc name "${f.name}" cannot be a file name`, { hint: 'name the heredoc with a plain word such as <<EOF' });
    }
    const file = path.join(dir, f.name);
    await writeFile(file, f.content);
    await chmod(file, 0o644);
  }
  return files.map((f) => f.name);
}

/** Checks a git source out under `dir`; returns the directory whose contents are copied. */
export function stageGitSource(dir: string, git: GitSource, keepGitDir: boolean, signal?: AbortSignal): Promise<string> {
  return checkoutCommit(git.ref, git.commit, path.join(dir, 'checkout'), { keepGitDir, signal });
}
