// Which ADD sources are git repositories, and what they name (BuildKit's gitutil.ParseGitRef):
// `https://host/repo.git#ref:subdir`, `git@host:repo.git`, `git://`, `ssh://`. Pure, no I/O.
import { BerthError } from '../../util/errors.ts';

export interface GitRef {
  /** What `git` is given as the remote (the source without its `#fragment`). */
  remote: string;
  /** Branch, tag or commit after `#`; empty for the remote's HEAD. */
  ref: string;
  /** Path inside the repository after `#ref:`; empty for the whole tree. */
  subdir: string;
}

/** Cleaned subdirectory components; `..` and absolute paths cannot leave the checkout. */
function cleanSubdir(subdir: string, source: string): string {
  const parts: string[] = [];
  for (const p of subdir.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      throw new BerthError('GIT_SOURCE', `git source ${source}: the subdirectory "${subdir}" leaves the repository`, { hint: 'name a directory inside the repository after #ref:' });
    }
    parts.push(p);
  }
  return parts.join('/');
}

/**
 * The git repository a source names, or undefined for anything else. As in BuildKit, `git@…`,
 * `git://` and `ssh://` are always git; `http(s)://` only when the path ends in `.git` (else it is
 * a file download).
 */
export function parseGitRef(source: string): GitRef | undefined {
  let url = source;
  let fragment = '';
  const hash = source.indexOf('#');
  if (hash >= 0) {
    url = source.slice(0, hash);
    fragment = source.slice(hash + 1);
  }
  if (/^https?:\/\//.test(url)) {
    let pathname: string;
    try {
      pathname = new URL(url).pathname;
    } catch {
      return undefined;
    }
    if (!pathname.endsWith('.git')) return undefined;
  } else if (!/^(git@[^:]+:|git:\/\/|ssh:\/\/)/.test(url)) {
    return undefined;
  }
  const colon = fragment.indexOf(':');
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const subdir = colon < 0 ? '' : cleanSubdir(fragment.slice(colon + 1), source);
  if (ref.startsWith('-')) throw new BerthError('GIT_SOURCE', `git source ${source}: invalid ref "${ref}"`, { hint: 'name a branch, a tag or a commit after #' });
  return { remote: url, ref, subdir };
}

/** A full commit id (SHA-1 or SHA-256). */
export function isCommitId(ref: string): boolean {
  return /^[0-9a-f]{40}$/.test(ref) || /^[0-9a-f]{64}$/.test(ref);
}
