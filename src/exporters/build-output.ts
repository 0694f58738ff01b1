// `berth build -o`: where a built image goes besides the store — a docker/OCI archive, a tarball of
// its root filesystem, or that filesystem unpacked into a local directory (BuildKit's exporters).
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { diffDirToTar, extractLayer } from '../layer/index.ts';
import { manifestLinks, type Store, type StoredImage } from '../store/index.ts';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { saveArchive } from './save-archive.ts';
import { makeDirs } from '../util/make-dirs.ts';

export type OutputType = 'docker' | 'oci' | 'tar' | 'local';

export interface OutputSpec {
  type: OutputType;
  /** File (docker, oci, tar; '-' for stdout) or directory (local). */
  dest: string | undefined;
  /** BuildKit's image exporter options (docker, oci): the compression of the layers. */
  compression?: { type: 'gzip' | 'zstd' | 'none'; level?: number; force?: boolean };
  /** BuildKit's rewrite-timestamp (berth clamps whenever SOURCE_DATE_EPOCH is set; false turns that off). */
  rewriteTimestamp?: boolean;
}

const IMAGE_OPTIONS = new Set(['compression', 'compression-level', 'force-compression', 'rewrite-timestamp', 'oci-mediatypes']);

function parseBool(key: string, value: string): boolean {
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new BerthError('INVALID_ARGUMENT', `invalid value "${value}" for output option ${key}`, { hint: 'use true or false' });
}

/** compression=, compression-level=, force-compression=, rewrite-timestamp=, oci-mediatypes= of a docker/oci output. */
function imageOptions(spec: OutputSpec, fields: ReadonlyMap<string, string>): OutputSpec {
  const out: OutputSpec = { ...spec };
  const name = fields.get('compression');
  const level = fields.get('compression-level');
  const force = fields.get('force-compression');
  if (name !== undefined || level !== undefined || force !== undefined) {
    const type = name === undefined || name === 'gzip' ? 'gzip' : name === 'zstd' ? 'zstd' : name === 'uncompressed' ? 'none' : undefined;
    if (type === undefined) throw new BerthError('INVALID_ARGUMENT', `unsupported compression "${name}"`, { hint: 'use compression=gzip, zstd or uncompressed' });
    const c: NonNullable<OutputSpec['compression']> = { type };
    if (level !== undefined) {
      const n = Number(level);
      const max = type === 'zstd' ? 19 : 9;
      if (!/^\d+$/.test(level) || n < 1 || n > max) throw new BerthError('INVALID_ARGUMENT', `invalid compression-level "${level}" for ${type}`, { hint: `give 1 to ${max}` });
      c.level = n;
    }
    if (force !== undefined) c.force = parseBool('force-compression', force);
    out.compression = c;
  }
  const rewrite = fields.get('rewrite-timestamp');
  if (rewrite !== undefined) out.rewriteTimestamp = parseBool('rewrite-timestamp', rewrite);
  const oci = fields.get('oci-mediatypes');
  if (oci !== undefined && !parseBool('oci-mediatypes', oci)) {
    throw new BerthError('INVALID_ARGUMENT', 'oci-mediatypes=false is not supported: berth writes OCI manifests');
  }
  return out;
}

/** Parses docker's `-o` forms: `type=local,dest=out`, `type=tar,dest=x.tar`, or a bare path (local). */
export function parseOutput(text: string): OutputSpec {
  // docker: `-o -` is the rootfs as a tar on stdout; any other bare word is a local directory.
  if (text === '-') return { type: 'tar', dest: '-' };
  if (!text.includes('=')) return { type: 'local', dest: text };
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new BerthError('INVALID_ARGUMENT', `invalid output "${text}": "${part}" is not key=value`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const type = fields.get('type') ?? 'local';
  if (!['docker', 'oci', 'tar', 'local'].includes(type)) {
    throw new BerthError('INVALID_ARGUMENT', `unsupported output type "${type}"`, { hint: 'use type=docker, oci, tar or local' });
  }
  const image = type === 'docker' || type === 'oci';
  for (const k of fields.keys()) {
    if (k !== 'type' && k !== 'dest' && k !== 'name' && !(image && IMAGE_OPTIONS.has(k))) throw new BerthError('INVALID_ARGUMENT', `unsupported output option "${k}" for type=${type}`);
  }
  const dest = fields.get('dest');
  if ((type === 'local' || type === 'tar') && !dest) throw new BerthError('INVALID_ARGUMENT', `output type=${type} needs dest=<path>`);
  if (type === 'local' && dest === '-') throw new BerthError('INVALID_ARGUMENT', 'a local output is a directory and cannot go to stdout', { hint: 'use -o - (or type=tar,dest=-) for a tar on stdout' });
  const spec: OutputSpec = { type: type as OutputType, dest };
  return image ? imageOptions(spec, fields) : spec;
}

/** Applies the image's layers, in order, to an empty directory. */
async function flatten(store: Store, image: StoredImage, dir: string): Promise<void> {
  const links = manifestLinks(await store.blobs.read(image.manifest), image.manifest);
  for (const layer of links.layers) await extractLayer(store.blobs.openRead(layer), dir, { mode: 'apply' });
}

/**
 * The directory an output's temp file or tree goes into, beside its dest. A local output creates
 * it (BuildKit's local exporter makes its dest with its parents); a file output needs it to exist.
 */
function outputError(spec: OutputSpec, why: string, cause?: unknown): BerthError {
  const hint = `name a ${spec.type === 'local' ? 'directory' : 'file'} in a writable directory as dest=`;
  return new BerthError('INVALID_ARGUMENT', `cannot write the output to ${spec.dest}: ${why}`, { cause, hint });
}

async function outputDir(dest: string, spec: OutputSpec): Promise<string> {
  const dir = path.dirname(dest);
  const fail = (why: string, cause?: unknown): BerthError => outputError(spec, why, cause);
  if (spec.type === 'local') {
    await makeDirs(dir).catch((e: unknown) => { throw fail((e as Error).message, e); });
    return dir;
  }
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw fail(`directory ${dir} does not exist`);
  if ((await stat(dest).catch(() => undefined))?.isDirectory()) throw fail('it is a directory');
  return dir;
}

/** `stdout` receives outputs whose dest is `-` (the CLI passes its own stdout). */
export async function writeOutput(store: Store, image: StoredImage, spec: OutputSpec, tags: readonly string[], stdout?: NodeJS.WritableStream): Promise<void> {
  if ((spec.type === 'docker' || spec.type === 'oci') && spec.dest === undefined) return; // the store already has it
  const toStream = async (stream: NodeJS.ReadableStream): Promise<void> => {
    if (spec.dest === '-') {
      if (!stdout) throw new BerthError('INVALID_ARGUMENT', 'an output to stdout (dest=-) needs a stream to write to');
      await pipeline(stream, stdout, { end: false }); // stdout stays open for what follows
      return;
    }
    const file = path.resolve(spec.dest!);
    const tmp = tempName(await outputDir(file, spec), 'output');
    try {
      await pipeline(stream, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
  };
  if (spec.type === 'docker' || spec.type === 'oci') {
    await toStream(saveArchive(store, [{ image, tags }]));
    return;
  }
  // Unpacked next to where it goes (same filesystem), then renamed into place: never half-written.
  const target = spec.type === 'local' ? path.resolve(spec.dest!) : undefined;
  const work = target ? tempName(await outputDir(target, spec), 'export') : tempName(store.layout.tmpDir, 'export');
  await makeDirs(work).catch((e: unknown) => { throw target ? outputError(spec, (e as Error).message, e) : e; });
  try {
    await flatten(store, image, work);
    if (!target) { await toStream(diffDirToTar(work)); return; }
    await rm(target, { recursive: true, force: true });
    await rename(work, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
