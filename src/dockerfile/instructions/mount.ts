// `RUN --mount=type=...` specifications: parsed from their CSV form and validated per mount type.
import type { SourceRange } from '../../util/errors.ts';
import { splitCsvRecord } from '../../util/csv.ts';
import { InstructionError } from './instruction-error.ts';

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
export type CacheSharing = 'shared' | 'private' | 'locked';

export interface Mount {
  type: MountType;
  target: string;
  /** Raw values: `from` and `source` may hold variables, expanded by the build. */
  from: string | undefined;
  source: string | undefined;
  readOnly: boolean;
  /** cache: its id (defaults to the target); secret/ssh: the id the build supplies. */
  id: string | undefined;
  sharing: CacheSharing;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  required: boolean;
  /** tmpfs size in bytes. */
  size: number | undefined;
  /** secret: also (or only) expose it as this environment variable. */
  env: string | undefined;
  /** Raw values of these keys that hold variables, parsed (parseMountValue) once the build expanded them. */
  deferred?: Partial<Record<DeferredKey, string>>;
}

const KEYS_BY_TYPE: Record<MountType, readonly string[]> = {
  bind: ['from', 'source', 'target', 'readonly', 'readwrite'],
  cache: ['id', 'from', 'source', 'target', 'readonly', 'readwrite', 'sharing', 'mode', 'uid', 'gid'],
  tmpfs: ['target', 'size'],
  secret: ['id', 'source', 'target', 'required', 'mode', 'uid', 'gid', 'env'],
  ssh: ['id', 'target', 'required', 'mode', 'uid', 'gid'],
};
const ALIASES: Record<string, string> = { src: 'source', dst: 'target', destination: 'target', ro: 'readonly', rw: 'readwrite' };
const BOOL_KEYS = new Set(['readonly', 'readwrite', 'required']);

/** Splits a CSV record: fields separated by commas, double quotes group (`""` is a literal quote). */
function splitCsv(text: string, range: SourceRange): string[] {
  const fields = splitCsvRecord(text);
  if (!fields) throw new InstructionError('DOCKERFILE_FLAG', `--mount: unterminated quote in "${text}"`, range);
  return fields;
}

function parseBool(key: string, value: string | undefined, range: SourceRange): boolean {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InstructionError('DOCKERFILE_FLAG', `--mount: invalid value for ${key}: "${value}" (expected true or false)`, range);
}

function parseUint(key: string, value: string, range: SourceRange, base = 10): number {
  const ok = base === 8 ? /^0?[0-7]+$/.test(value) : /^\d+$/.test(value);
  const n = parseInt(value, base);
  if (!ok || !Number.isSafeInteger(n)) {
    throw new InstructionError('DOCKERFILE_FLAG', `--mount: invalid ${key}: "${value}"`, range, base === 8 ? 'mode is an octal number such as 0644' : undefined);
  }
  return n;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Sizes as docker reads them (go-units RAMInBytes): binary multiples, `64m`, `64MiB`, `1 g`, `512`. */
function parseSize(value: string, range: SourceRange): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value);
  if (!m) throw new InstructionError('DOCKERFILE_FLAG', `--mount: invalid size: "${value}"`, range, 'use a size such as 64m or 1g');
  return Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]!);
}

/** Go's path.Base: the last element, trailing slashes ignored. */
function basename(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return p === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export type DeferredKey = 'mode' | 'uid' | 'gid' | 'size' | 'sharing';

/** One of the typed values of a mount, checked: `{ [key]: value }`. */
export function parseMountValue(key: DeferredKey, value: string, range: SourceRange): Partial<Mount> {
  switch (key) {
    case 'mode': return { mode: parseUint('mode', value, range, 8) };
    case 'uid': return { uid: parseUint('uid', value, range) };
    case 'gid': return { gid: parseUint('gid', value, range) };
    case 'size': return { size: parseSize(value, range) };
    case 'sharing': {
      const sharing = value.toLowerCase();
      if (sharing !== 'shared' && sharing !== 'private' && sharing !== 'locked') {
        throw new InstructionError('DOCKERFILE_FLAG', `--mount: unsupported sharing value "${value}"`, range, 'sharing is one of shared, private, locked');
      }
      return { sharing };
    }
  }
}

export function parseMount(text: string, range: SourceRange, sshIndex: number): Mount {
  const pairs: Array<[string, string | undefined]> = [];
  let type: MountType = 'bind';
  for (const field of splitCsv(text, range)) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const rawKey = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const key = ALIASES[rawKey] ?? rawKey;
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (key === 'type') {
      const t = value?.toLowerCase();
      if (t === undefined || !Object.hasOwn(KEYS_BY_TYPE, t)) {
        throw new InstructionError('DOCKERFILE_FLAG', `--mount: unsupported mount type "${value ?? ''}"`, range, 'type is one of bind, cache, tmpfs, secret, ssh');
      }
      type = t as MountType;
    } else {
      pairs.push([key, value]);
    }
  }
  const m: Mount = {
    // Read-only unless said otherwise, except for cache and tmpfs mounts (as docker).
    type, target: '', from: undefined, source: undefined, readOnly: type !== 'cache' && type !== 'tmpfs', id: undefined,
    sharing: 'shared', mode: undefined, uid: undefined, gid: undefined, required: false, size: undefined, env: undefined,
  };
  const allowed = KEYS_BY_TYPE[type];
  for (const [key, value] of pairs) {
    if (!allowed.includes(key)) {
      throw new InstructionError('DOCKERFILE_FLAG', `--mount: unexpected key "${key}" for type=${type}`, range, `type=${type} takes ${allowed.join(', ')}`);
    }
    if (BOOL_KEYS.has(key)) {
      const b = parseBool(key, value, range);
      if (key === 'readonly') m.readOnly = b;
      else if (key === 'readwrite') m.readOnly = !b;
      else m.required = b;
      continue;
    }
    if (value === undefined) throw new InstructionError('DOCKERFILE_FLAG', `--mount: ${key} needs a value (${key}=...)`, range);
    switch (key) {
      case 'target': m.target = value; break;
      case 'from':
        // Docker resolves the stages a RUN reads before any variable is known, so it rejects them here.
        if (value.slice(0, -1).includes('$')) {
          throw new InstructionError('DOCKERFILE_FLAG', '--mount: \'from\' doesn\'t support variable expansion, define alias stage instead', range,
            'declare the ARG before the first FROM and use it in FROM ${ARG} AS alias, then from=alias');
        }
        m.from = value;
        break;
      case 'source': m.source = value; break;
      case 'id': m.id = value; break;
      case 'env': m.env = value; break;
      case 'mode': case 'uid': case 'gid': case 'size': case 'sharing':
        // BuildKit expands a value before parsing it: one with a variable is parsed by the build.
        if (value.includes('$')) (m.deferred ??= {})[key] = value;
        else Object.assign(m, parseMountValue(key, value, range));
        break;
    }
  }
  if (type === 'secret') {
    // `source` names the secret like `id` does; the id defaults to the target's last element, the
    // target to /run/secrets/<id> unless the secret only goes to an environment variable.
    if (m.source !== undefined && m.id !== undefined) throw new InstructionError('DOCKERFILE_FLAG', '--mount=type=secret: both source and id can\'t be set', range);
    if (m.source !== undefined) { m.id = m.source; m.source = undefined; }
    if (m.id === undefined && m.target === '') {
      throw new InstructionError('DOCKERFILE_FLAG', '--mount=type=secret needs an id or a target', range, 'e.g. --mount=type=secret,id=npmrc or --mount=type=secret,id=token,env=TOKEN');
    }
    m.id ??= basename(m.target);
    if (m.target === '' && m.env === undefined) m.target = `/run/secrets/${basename(m.id)}`;
  } else if (type === 'ssh') {
    m.id ??= 'default';
    if (m.target === '') m.target = `/run/buildkit/ssh_agent.${sshIndex}`;
  } else if (m.target === '') {
    throw new InstructionError('DOCKERFILE_FLAG', `--mount=type=${type} needs a target`, range, 'add target=<path in the container>');
  }
  if (type === 'cache') m.id ??= m.target;
  return m;
}
