// Helpers for the tests of what happens to a built image after its steps (SOURCE_DATE_EPOCH, --squash,
// --platform, --compression): stores with the same busybox base, a stored image's manifest and config,
// the entries of a layer blob, and the image documents inside an exported archive.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspectImages } from '../../src/api/index.ts';
import { berth, describeBuild, importBusybox } from './e2e-helpers.ts';

export const BUSYBOX = 'e2e/busybox:1';

export interface Manifest {
  mediaType: string;
  config: { digest: string };
  layers: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string> }>;
}

export interface Config {
  created?: string;
  os: string;
  architecture: string;
  variant?: string;
  rootfs: { diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

/** Stores under `work` holding the very same busybox image (imported once, then saved and loaded). */
export async function storesWithBusybox(work: string, names: readonly string[]): Promise<string[]> {
  const roots = names.map((n) => path.join(work, n));
  await importBusybox(roots[0]!, work, BUSYBOX);
  const archive = path.join(work, 'busybox-image.tar');
  const saved = await berth(roots[0]!, ['save', '-o', archive, BUSYBOX]);
  assert.equal(saved.code, 0, describeBuild(saved));
  for (const root of roots.slice(1)) {
    const loaded = await berth(root, ['load', '-i', archive]);
    assert.equal(loaded.code, 0, describeBuild(loaded));
  }
  return roots;
}

export function blobFile(root: string, digest: string): string {
  return path.join(root, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** The manifest digest, manifest and config of a stored image. */
export async function storedImage(root: string, ref: string): Promise<{ digest: string; manifest: Manifest; config: Config }> {
  const { objects, errors } = await inspectImages(root, [ref]);
  if (errors[0]) throw errors[0];
  const digest = (objects[0] as { Descriptor: { digest: string } }).Descriptor.digest;
  const manifest = JSON.parse(readFileSync(blobFile(root, digest), 'utf8')) as Manifest;
  const config = JSON.parse(readFileSync(blobFile(root, manifest.config.digest), 'utf8')) as Config;
  return { digest, manifest, config };
}

export interface TarLine {
  name: string;
  type: string;
  mtime: number;
}

/** The entries of a (possibly compressed) tar file, as GNU tar lists them (it sniffs gzip and zstd itself). */
export function tarEntries(file: string): TarLine[] {
  const out = execFileSync('tar', ['--numeric-owner', '--full-time', '-tvf', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean).map((line) => {
    const m = /^(\S)\S+\s+\S+\s+\d+\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+(.*?)(?: -> .*| link to .*)?$/.exec(line);
    if (!m) throw new Error(`unexpected tar -tv line: ${line}`);
    return { type: m[1]!, mtime: Date.parse(`${m[2]!.replace(' ', 'T')}Z`) / 1000, name: m[3]!.replace(/^\.\//, '').replace(/\/$/, '') };
  });
}

/** One member of a tar archive (an exported image), as bytes. */
export function archiveMember(archive: string, member: string): Buffer {
  return execFileSync('tar', ['-xOf', archive, member], { maxBuffer: 256 << 20 });
}

/** The manifest an OCI/docker archive's index.json names first, and its config. */
export function archivedImage(archive: string): { digest: string; manifest: Manifest; config: Config } {
  const index = JSON.parse(archiveMember(archive, 'index.json').toString('utf8')) as { manifests: Array<{ digest: string }> };
  const digest = index.manifests[0]!.digest;
  const manifest = JSON.parse(archiveMember(archive, `blobs/sha256/${digest.slice(7)}`).toString('utf8')) as Manifest;
  const config = JSON.parse(archiveMember(archive, `blobs/sha256/${manifest.config.digest.slice(7)}`).toString('utf8')) as Config;
  return { digest, manifest, config };
}

/** A build context directory with these files. */
export async function makeContext(dir: string, files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) await writeFile(path.join(dir, f), text);
  return dir;
}
