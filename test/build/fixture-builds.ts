// Shared pieces of the Dockerfile-feature tests (heredocs, COPY flags, git sources, build contexts):
// a numbered work area per suite with a busybox image in its store, contexts written from a map,
// built images flattened to directories.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { flattenImage } from '../helpers/flatten.ts';
import { describeBuild, importBusybox, type Built } from './e2e-helpers.ts';

export function assertBuilt(b: Built): void {
  assert.equal(b.code, 0, `the build failed: ${describeBuild(b)}`);
}

export class Workspace {
  private n = 0;
  private constructor(readonly work: string, readonly root: string) {}

  /** A temp dir with a store holding `busybox` (an imported busybox rootfs). */
  static async create(label: string, busybox: string): Promise<Workspace> {
    const work = await mkdtemp(path.join(tmpdir(), `berth-${label}-`));
    const ws = new Workspace(work, path.join(work, 'root'));
    await importBusybox(ws.root, work, busybox);
    return ws;
  }

  async dispose(): Promise<void> {
    await rm(this.work, { recursive: true, force: true });
  }

  /** A new context directory with `files` (text) and the Dockerfile. */
  async context(dockerfile: string, files: Record<string, string> = {}): Promise<string> {
    const ctx = path.join(this.work, `ctx-${++this.n}`);
    for (const [p, text] of Object.entries({ ...files, Dockerfile: dockerfile })) {
      await mkdir(path.dirname(path.join(ctx, p)), { recursive: true });
      await writeFile(path.join(ctx, p), text);
    }
    return ctx;
  }

  /** The image `tag` flattened into a new directory. */
  async rootfs(tag: string): Promise<string> {
    const fs = path.join(this.work, `fs-${++this.n}`);
    await mkdir(fs, { recursive: true });
    await flattenImage(this.root, tag, fs);
    return fs;
  }
}
