// A git source through the real `git`: the commit a ref names on the remote (the cache key of an
// ADD of a repository), and a checkout of that commit into a directory.
import { execFile } from 'node:child_process';
import { lstat, rm } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../../util/errors.ts';
import { isCommitId, type GitRef } from './ref.ts';
import { makeDirs } from '../../util/make-dirs.ts';

/**
 * Never ask for anything on a terminal (credentials, an ssh host key: ssh runs in batch mode unless
 * the user chose an ssh command); never read the user's or the system's git config.
 */
const GIT_ENV = {
  ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C',
  GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
};

function git(args: readonly string[], opts: { cwd?: string; signal?: AbortSignal | undefined } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { env: GIT_ENV, cwd: opts.cwd, maxBuffer: 64 << 20, ...(opts.signal ? { signal: opts.signal } : {}) }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new BerthError('MISSING_DEPENDENCY', 'reading a git repository (a git build context, ADD of a repository) needs git, which is not installed', { hint: 'install git (apt-get install git)' }));
      }
      const detail = stderr.trim().split('\n').filter(Boolean).slice(-3).join('; ');
      reject(new BerthError('GIT_SOURCE', `git ${args[0] === '-C' ? args[2] : args[0]} failed: ${detail || err.message}`, { cause: err }));
    });
  });
}

/**
 * The commit `ref` names: a full commit id as given; otherwise what the remote advertises for it,
 * a tag (peeled to its commit) before a branch, `HEAD` when no ref is given.
 */
export async function resolveCommit(ref: GitRef, signal?: AbortSignal): Promise<string> {
  if (isCommitId(ref.ref)) return ref.ref;
  const out = await git(['ls-remote', '--', ref.remote], { signal }).catch((e: unknown) => {
    if (e instanceof BerthError && e.code === 'MISSING_DEPENDENCY') throw e; // not the repository's fault
    throw new BerthError('GIT_SOURCE', `cannot read the git repository ${ref.remote}: ${(e as Error).message}`, { cause: e, hint: 'check the URL and that the server is reachable' });
  });
  const refs = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, name] = line.split('\t');
    if (sha && name) refs.set(name, sha);
  }
  const wanted = ref.ref === '' ? ['HEAD'] : [`refs/tags/${ref.ref}^{}`, `refs/tags/${ref.ref}`, `refs/heads/${ref.ref}`, ref.ref];
  for (const name of wanted) {
    const sha = refs.get(name);
    if (sha) return sha;
  }
  throw new BerthError('GIT_SOURCE', `git repository ${ref.remote} has no branch or tag "${ref.ref || 'HEAD'}"`, {
    hint: 'name an existing branch or tag after #, or a full commit id',
  });
}

/**
 * Checks `commit` out into `dir` (created), fetching as little as the server allows: the commit
 * alone, else the ref, else every branch and tag; then its submodules. Without `keepGitDir` the .git directory is
 * removed. Returns the directory to copy: `dir` or its `subdir`, which must be a real directory
 * inside the checkout (no component may be a symlink).
 */
export async function checkoutCommit(ref: GitRef, commit: string, dir: string, opts: { keepGitDir: boolean; signal?: AbortSignal | undefined }): Promise<string> {
  const { signal } = opts;
  await makeDirs(dir);
  await git(['init', '-q', dir], { signal });
  // The remote is `origin`, so relative submodule URLs resolve against it.
  await git(['-C', dir, 'remote', 'add', 'origin', ref.remote], { signal });
  const fetch = (...what: string[]): Promise<string> => git(['-C', dir, 'fetch', '-q', '--no-tags', ...what], { signal });
  const attempts: string[][] = [['--depth', '1', 'origin', commit]];
  if (ref.ref !== '' && !isCommitId(ref.ref)) attempts.push(['--depth', '1', 'origin', ref.ref]);
  attempts.push(['origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
  let fetched = false;
  let last: unknown;
  for (const args of attempts) {
    try {
      await fetch(...args);
      await git(['-C', dir, 'cat-file', '-e', `${commit}^{commit}`], { signal });
      fetched = true;
      break;
    } catch (e) {
      last = e;
    }
  }
  if (!fetched) {
    throw new BerthError('GIT_SOURCE', `commit ${commit} could not be fetched from ${ref.remote}`, { cause: last, hint: last instanceof Error ? last.message : undefined });
  }
  await git(['-C', dir, '-c', 'advice.detachedHead=false', 'checkout', '-q', commit], { signal });
  // Submodules are checked out too, as BuildKit's git source does.
  if (await lstat(path.join(dir, '.gitmodules')).then((st) => st.isFile(), () => false)) {
    await git(['-C', dir, 'submodule', 'update', '--init', '--recursive', '--depth', '1'], { signal });
  }
  if (!opts.keepGitDir) await rm(path.join(dir, '.git'), { recursive: true, force: true });
  let at = dir;
  for (const part of ref.subdir === '' ? [] : ref.subdir.split('/')) {
    at = path.join(at, part);
    const st = await lstat(at).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new BerthError('GIT_SOURCE', `git source ${ref.remote}: "${ref.subdir}" is not a directory in commit ${commit.slice(0, 12)}`, {
        hint: st?.isSymbolicLink() ? 'the path goes through a symlink, which a git subdirectory may not' : 'check the path after #ref:',
      });
    }
  }
  return at;
}
