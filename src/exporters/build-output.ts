// `berth build -o`: where a built image goes besides the store — a docker/OCI archive, a tarball of
// its root filesystem, or that filesystem unpacked into a local directory (BuildKit's exporters).
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { diffDirToTar, extractLayer } from '../layer/index.ts';
import { manifestLinks, type Store, type StoredImage } from '../store/index.ts';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { saveArchive } from './save-archive.ts';

export type OutputType = 'docker' | 'oci' | 'tar' | 'local';

export interface OutputSpec {
  type: OutputType;
  /** File (docker, oci, tar; '-' for stdout) or directory (local). */
  dest: string | undefined;
}

/** Parses docker's `-o` forms: `type=local,dest=out`, `type=tar,dest=x.tar`, or a bare path (local). */
export function parseOutput(text: string): OutputSpec {
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
  for (const k of fields.keys()) {
    if (k !== 'type' && k !== 'dest' && k !== 'name') throw new BerthError('INVALID_ARGUMENT', `unsupported output option "${k}" for type=${type}`);
  }
  const dest = fields.get('dest');
  if ((type === 'local' || type === 'tar') && !dest) throw new BerthError('INVALID_ARGUMENT', `output type=${type} needs dest=<path>`);
  return { type: type as OutputType, dest };
}

/** Applies the image's layers, in order, to an empty directory. */
async function flatten(store: Store, image: StoredImage, dir: string): Promise<void> {
  const links = manifestLinks(await store.blobs.read(image.manifest), image.manifest);
  for (const layer of links.layers) await extractLayer(store.blobs.openRead(layer), dir, { mode: 'apply' });
}

/** `stdout` receives outputs whose dest is `-` (the CLI passes its own stdout). */
export async function writeOutput(store: Store, image: StoredImage, spec: OutputSpec, tags: readonly string[], stdout?: NodeJS.WritableStream): Promise<void> {
  if ((spec.type === 'docker' || spec.type === 'oci') && spec.dest === undefined) return; // the store already has it
  const toStream = async (stream: NodeJS.ReadableStream): Promise<void> => {
    if (spec.dest === '-') {
      if (!stdout) throw new BerthError('INVALID_ARGUMENT', 'an output to stdout (dest=-) needs a stream to write to');
      await pipeline(stream, stdout);
      return;
    }
    const file = path.resolve(spec.dest!);
    const tmp = tempName(path.dirname(file), 'output');
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
  const work = target ? tempName(path.dirname(target), 'export') : tempName(store.layout.tmpDir, 'export');
  await mkdir(work, { recursive: true });
  try {
    await flatten(store, image, work);
    if (!target) { await toStream(diffDirToTar(work)); return; }
    await rm(target, { recursive: true, force: true });
    await rename(work, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
