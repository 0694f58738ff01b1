// `berth build --secret`, `--ssh` and `--allow`, parsed as docker (buildx) parses them: secrets
// read once, up front, into memory (never into a file of berth's); agent sockets checked to exist.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MAX_SECRET_BYTES, type Entitlement } from '../build/index.ts';
import { splitCsvRecord } from '../util/csv.ts';
import { BerthError } from '../util/errors.ts';

export interface SecretSpec {
  id: string;
  file?: string;
  env?: string;
}

function csvFields(text: string, flag: string): string[] {
  const fields = splitCsvRecord(text);
  if (!fields) throw new BerthError('INVALID_ARGUMENT', `${flag}: unterminated quote in "${text}"`);
  return fields;
}

/** `id=NAME[,src=FILE|,env=VAR][,type=file|env]` (buildx's parseSecret). */
export function parseSecretSpec(text: string): SecretSpec {
  let id = '';
  let file: string | undefined;
  let env: string | undefined;
  let type: string | undefined;
  for (const field of csvFields(text, '--secret')) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new BerthError('INVALID_ARGUMENT', `--secret: invalid field '${field}' must be a key=value pair`, { hint: 'e.g. --secret id=npmrc,src=$HOME/.npmrc' });
    const key = field.slice(0, eq).toLowerCase();
    const value = field.slice(eq + 1);
    if (key === 'type') {
      if (value !== 'file' && value !== 'env') throw new BerthError('INVALID_ARGUMENT', `--secret: unsupported secret type "${value}"`, { hint: 'type is file or env' });
      type = value;
    } else if (key === 'id') id = value;
    else if (key === 'source' || key === 'src') file = value;
    else if (key === 'env') env = value;
    else throw new BerthError('INVALID_ARGUMENT', `--secret: unexpected key '${key}' in '${field}'`, { hint: 'keys: id, src (or source), env, type' });
  }
  if (type === 'env' && env === undefined) {
    env = file;
    file = undefined;
  }
  if (id === '') throw new BerthError('INVALID_ARGUMENT', `--secret ${text}: secret missing ID`, { hint: 'name it: --secret id=NAME,src=FILE' });
  return { id, ...(file !== undefined ? { file } : {}), ...(env !== undefined ? { env } : {}) };
}

/**
 * Reads every secret into memory. As buildx: with neither src nor env, the id names an
 * environment variable if one is set, a file otherwise.
 */
export async function readBuildSecrets(specs: readonly string[], environ: NodeJS.ProcessEnv = process.env): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const text of specs) {
    const spec = parseSecretSpec(text);
    let { file, env } = spec;
    if (file === undefined && env === undefined) {
      if (environ[spec.id] !== undefined) env = spec.id;
      else file = spec.id;
    }
    let value: Buffer;
    if (env !== undefined) {
      const v = environ[env];
      if (v === undefined) throw new BerthError('NOT_FOUND', `secret ${spec.id}: environment variable ${env} is not set`);
      value = Buffer.from(v);
    } else {
      const st = await stat(file!).catch((e: unknown) => {
        throw new BerthError('NOT_FOUND', `secret ${spec.id}: failed to stat ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      });
      if (!st.isFile()) throw new BerthError('INVALID_ARGUMENT', `secret ${spec.id}: ${file} is not a regular file`);
      if (st.size > MAX_SECRET_BYTES) throw new BerthError('INVALID_ARGUMENT', `secret ${spec.id} too big. max size 500KB`);
      value = await readFile(file!);
    }
    if (value.length > MAX_SECRET_BYTES) throw new BerthError('INVALID_ARGUMENT', `secret ${spec.id} too big. max size 500KB`);
    out.set(spec.id, value);
  }
  return out;
}

/**
 * `--ssh default|ID[=SOCKET]`: `default` (or an id without a path) is $SSH_AUTH_SOCK. Only agent
 * sockets are forwarded; docker also accepts key files (loaded into an agent of its own), which
 * berth refuses by name.
 */
export async function sshAgentSockets(specs: readonly string[], environ: NodeJS.ProcessEnv = process.env): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const text of specs) {
    const eq = text.indexOf('=');
    const id = eq < 0 ? text : text.slice(0, eq);
    const paths = eq < 0 ? [] : text.slice(eq + 1).split(',').filter(Boolean);
    if (id === '') throw new BerthError('INVALID_ARGUMENT', `--ssh ${text}: the id is empty`, { hint: 'use --ssh default or --ssh ID=SOCKET' });
    if (paths.length > 1) throw new BerthError('NOT_IMPLEMENTED', `--ssh ${text}: berth forwards one agent socket per id`, { hint: 'load the keys into one agent with ssh-add and pass its socket' });
    const socket = paths[0] ?? environ.SSH_AUTH_SOCK;
    if (!socket) throw new BerthError('INVALID_ARGUMENT', 'invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set', { hint: `start an agent (eval $(ssh-agent); ssh-add) or pass --ssh ${id}=SOCKET` });
    const st = await stat(socket).catch(() => undefined);
    if (!st) throw new BerthError('NOT_FOUND', `--ssh ${id}: ${socket} does not exist`);
    if (!st.isSocket()) {
      throw new BerthError('NOT_IMPLEMENTED', `--ssh ${id}: ${socket} is not an agent socket; berth does not load key files`, {
        hint: `add the key to an agent (ssh-add ${socket}) and pass --ssh ${id}=$SSH_AUTH_SOCK`,
      });
    }
    out.set(id, path.resolve(socket));
  }
  return out;
}

export function parseEntitlements(values: readonly string[]): Set<Entitlement> {
  const out = new Set<Entitlement>();
  for (const v of values.flatMap((x) => x.split(','))) {
    if (v !== 'network.host' && v !== 'security.insecure') {
      throw new BerthError('INVALID_ARGUMENT', `invalid entitlement: ${v}`, { hint: 'berth build --allow takes network.host or security.insecure' });
    }
    out.add(v);
  }
  return out;
}
