// docker's credential-helper protocol: `docker-credential-<name> get|store|erase` found on PATH,
// the server URL or a {ServerURL, Username, Secret} JSON on stdin, JSON or an error text on stdout.
// An identity token travels as the secret with the username "<token>", as docker does.
import { spawn } from 'node:child_process';
import { BerthError } from '../util/errors.ts';

/** The username docker's helpers store with an identity (refresh) token as the secret. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

/** What a helper keeps for a server. */
export interface HelperSecret {
  username: string;
  secret: string;
}

/** Helpers answer "credentials not found in native keychain" (docker-credential-helpers' ErrCredentialsNotFound). */
const NOT_FOUND = /credentials not found/i;

/** Output bigger than this is not a credential: the helper is misbehaving. */
const MAX_OUTPUT = 1024 * 1024;

interface HelperRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runHelper(name: string, action: string, input: string, env: NodeJS.ProcessEnv): Promise<HelperRun> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    const collect = (which: 'out' | 'err') => (chunk: Buffer): void => {
      if (which === 'out') stdout += chunk.toString('utf8'); else stderr += chunk.toString('utf8');
      if (stdout.length + stderr.length > MAX_OUTPUT) child.kill('SIGKILL');
    };
    child.stdout.on('data', collect('out'));
    child.stderr.on('data', collect('err'));
    child.once('error', (e: NodeJS.ErrnoException) => {
      reject(new BerthError('REGISTRY_AUTH', e.code === 'ENOENT'
        ? `credential helper ${program} is not installed (not found on PATH)`
        : `credential helper ${program} could not run: ${e.message}`, {
        cause: e,
        hint: 'install the helper, or remove "credsStore"/"credHelpers" for this registry from the docker config file',
      }));
    });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    // A helper that exits without reading stdin makes the write fail with EPIPE: its exit status says more.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function helperFailure(name: string, action: string, run: HelperRun): BerthError {
  // Helpers report errors on stdout (docker-credential-helpers' credentials.Serve); never echo
  // anything that could be a secret, only the helper's own message, cut short.
  const text = (run.stdout.trim() || run.stderr.trim()).split('\n')[0]!.slice(0, 200);
  return new BerthError('REGISTRY_AUTH', `credential helper docker-credential-${name} ${action} failed${run.code === null ? ' (killed)' : ` (exit ${run.code})`}${text ? `: ${text}` : ''}`);
}

/** The helper's credentials for `serverUrl`, or undefined when it has none. */
export async function helperGet(name: string, serverUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<HelperSecret | undefined> {
  const run = await runHelper(name, 'get', serverUrl, env);
  if (run.code !== 0) {
    if (NOT_FOUND.test(run.stdout) || NOT_FOUND.test(run.stderr)) return undefined;
    throw helperFailure(name, 'get', run);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(run.stdout);
  } catch {
    throw new BerthError('REGISTRY_AUTH', `credential helper docker-credential-${name} get printed something that is not JSON`);
  }
  const { Username, Secret } = (doc ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof Username !== 'string' || typeof Secret !== 'string') {
    throw new BerthError('REGISTRY_AUTH', `credential helper docker-credential-${name} get answered without a Username and Secret`);
  }
  if (Username === '' && Secret === '') return undefined;
  return { username: Username, secret: Secret };
}

export async function helperStore(name: string, serverUrl: string, value: HelperSecret, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const run = await runHelper(name, 'store', JSON.stringify({ ServerURL: serverUrl, Username: value.username, Secret: value.secret }), env);
  if (run.code !== 0) throw helperFailure(name, 'store', run);
}

/** Erases the helper's entry; false when it had none. */
export async function helperErase(name: string, serverUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const run = await runHelper(name, 'erase', serverUrl, env);
  if (run.code === 0) return true;
  if (NOT_FOUND.test(run.stdout) || NOT_FOUND.test(run.stderr)) return false;
  throw helperFailure(name, 'erase', run);
}
