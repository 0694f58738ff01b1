// `build --build-context NAME=DIR|docker-image://REF`: named contexts as BuildKit's dockerui gives
// them to the frontend. A name used by FROM, COPY --from or RUN --mount from= resolves to the named
// context before any stage or image of that name. An image context goes through the build's own
// image resolver (the store, then the registry); a directory becomes a one-layer image of its files
// (read as a build context: its .dockerignore applies, owners are 0:0), so every reader of images
// handles it unchanged and its identity is its content.
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageResolver, ResolvedImage } from '../build/index.ts';
import { copyFiles } from '../build/copy/index.ts';
import { readIgnoreFile, walkContext } from '../context/index.ts';
import type { ImageConfig } from '../oci/index.ts';
import { commitLayerDir, type Store } from '../store/index.ts';
import { tempName } from '../util/atomic-file.ts';
import { BerthError } from '../util/errors.ts';
import { makeDirs } from '../util/make-dirs.ts';

export type NamedContext = { kind: 'dir'; dir: string } | { kind: 'image'; ref: string };

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._\/:@-]*$/;

/** Parses `NAME=VALUE` specs; a relative directory is taken against `cwd`. */
export function parseBuildContexts(specs: readonly string[], cwd = process.cwd()): Map<string, NamedContext> {
  const out = new Map<string, NamedContext>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? '' : spec.slice(0, eq);
    const value = eq < 0 ? '' : spec.slice(eq + 1);
    if (name === '' || value === '' || !NAME.test(name)) {
      throw new BerthError('INVALID_ARGUMENT', `invalid --build-context value "${spec}"`, { hint: 'write it as NAME=DIR or NAME=docker-image://IMAGE' });
    }
    if (out.has(name)) throw new BerthError('INVALID_ARGUMENT', `--build-context ${name} is given twice`);
    if (value.startsWith('docker-image://')) {
      const ref = value.slice('docker-image://'.length);
      if (ref === '') throw new BerthError('INVALID_ARGUMENT', `--build-context ${name}: docker-image:// needs an image reference`);
      out.set(name, { kind: 'image', ref });
    } else if (/^[a-z][a-z0-9+.-]*:\/\//.test(value) || value.startsWith('target:')) {
      throw new BerthError('NOT_IMPLEMENTED', `--build-context ${name}=${value}: only a directory or docker-image://REF is supported`, {
        hint: 'for a git repository, use ADD <url>.git in the Dockerfile; for an OCI layout, load it first (berth load)',
      });
    } else {
      out.set(name, { kind: 'dir', dir: path.resolve(cwd, value) });
    }
  }
  return out;
}

/** A directory's files as a one-layer image: copied as a build context into an empty dir, committed. */
async function directoryImage(store: Store, name: string, dir: string): Promise<ResolvedImage> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new BerthError('NOT_FOUND', `--build-context ${name}: ${dir} is not a directory`, { hint: 'give an existing directory, or docker-image://IMAGE for an image' });
  }
  const ignore = await readIgnoreFile(dir);
  const entries = await walkContext(dir, ignore.rules);
  const work = tempName(store.layout.tmpDir, 'named-context');
  const upper = path.join(work, 'upper');
  await makeDirs(upper, 0o755);
  try {
    await copyFiles({ source: { kind: 'context', dir, entries }, sources: ['.'], dest: '/', workdir: '/', destRoot: upper });
    const layer = await commitLayerDir(store.blobs, upper);
    await store.snapshots.adopt(layer.diffId, upper);
    const config: ImageConfig = { architecture: process.arch === 'x64' ? 'amd64' : process.arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffId as never] } };
    const id = `sha256:${createHash('sha256').update(JSON.stringify(config)).digest('hex')}`;
    return { id, config, layers: [layer] };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The build's image resolver with the named contexts in front of it (each resolved once per build). */
export function namedContextResolver(store: Store, contexts: ReadonlyMap<string, NamedContext>, next: ImageResolver): ImageResolver {
  const resolved = new Map<string, Promise<ResolvedImage>>();
  return (ref) => {
    const ctx = contexts.get(ref);
    if (!ctx) return next(ref);
    let p = resolved.get(ref);
    if (!p) {
      p = ctx.kind === 'image' ? next(ctx.ref) : directoryImage(store, ref, ctx.dir);
      resolved.set(ref, p);
    }
    return p;
  };
}
