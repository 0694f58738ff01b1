// Which `berth build` contexts are URLs, by the docker CLI's rules (urlutil.IsGitURL, IsURL). Small:
// the CLI asks it for every build, so it loads nothing of the git or download code.
import { stat } from 'node:fs/promises';

export const isHttpUrl = (s: string): boolean => /^https?:\/\//.test(s);

/**
 * docker's isGitURL: an http(s) URL ending in `.git` (before an optional `#fragment`), or one
 * starting with `git://`, `git@` or `github.com/` (the last cloned over https); and `ssh://`, which
 * buildx takes as git too (BuildKit's ParseGitRef). An http(s) URL without `.git` is a download.
 */
export function isGitContext(context: string): boolean {
  return (isHttpUrl(context) && /\.git(#.+)?$/.test(context)) || /^(git:\/\/|git@|github\.com\/|ssh:\/\/)/.test(context);
}

/**
 * Whether `berth build` takes `context` as a URL rather than a directory. As in the docker CLI, an
 * existing local directory wins (`github.com/x/y` may be one).
 */
export async function isRemoteContext(context: string): Promise<boolean> {
  if (!isGitContext(context) && !isHttpUrl(context)) return false;
  return !(await stat(context).then((st) => st.isDirectory(), () => false));
}
