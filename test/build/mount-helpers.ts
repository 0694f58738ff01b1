// Shared set-up of the RUN --mount and secret tests: a busybox store in a temp dir, contexts in it,
// checks on build results, and the after-check that nothing (container, mount, process) is left.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeBuild, importBusybox, layerBlobs, mountsBelow, processesMentioning, runcContainers, type Built } from './e2e-helpers.ts';

export const BUSYBOX = 'e2e/busybox:1';

export interface Env {
  work: string;
  root: string;
}

export async function setUp(label: string): Promise<Env> {
  const work = await mkdtemp(path.join(tmpdir(), `berth-${label}-`));
  const root = path.join(work, 'store');
  await importBusybox(root, work, BUSYBOX);
  return { work, root };
}

/** Removes the work dir after checking nothing was left behind. */
export async function tearDown(env: Env): Promise<void> {
  const containers = runcContainers(env.root);
  for (const id of containers) spawnSync('runc', ['--root', path.join(env.root, 'runc'), 'delete', '-f', id]);
  const mounts = mountsBelow(env.work);
  for (const m of [...mounts].reverse()) spawnSync('umount', ['-l', m]);
  const processes = processesMentioning(env.work).filter((p) => !/ssh-agent/.test(p));
  await rm(env.work, { recursive: true, force: true });
  assert.deepEqual(containers, [], 'containers were left behind');
  assert.deepEqual(mounts, [], 'mounts were left behind');
  assert.deepEqual(processes, [], 'processes were left behind');
}

/** A build context under the work dir with these files (a Dockerfile among them). */
export async function context(env: Env, name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(env.work, name);
  await rm(dir, { recursive: true, force: true });
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), text);
  }
  return dir;
}

export function assertOk(b: Built): void {
  assert.equal(b.code, 0, `the build failed: ${describeBuild(b)}`);
  assert.match(b.id ?? '', /^sha256:[0-9a-f]{64}$/, `no image ID in the output: ${describeBuild(b)}`);
}

export function assertFailed(b: Built, message: RegExp): void {
  assert.notEqual(b.code, 0, `the build succeeded: ${describeBuild(b)}`);
  assert.match(b.stderr, message, describeBuild(b));
  assert.doesNotMatch(b.stderr, /\n\s+at \S+ \(/, `a stack trace:\n${b.stderr}`);
}

/** Output lines of the one step whose text starts with `prefix`. */
export function outputOf(b: Built, prefix: string): string[] {
  const found = b.steps.filter((s) => s.text.startsWith(prefix));
  assert.equal(found.length, 1, `expected one step starting with ${JSON.stringify(prefix)}:\n${b.stderr}`);
  return found[0]!.output;
}

/** Names in an image's layer tars (no leading "./"), all layers together. */
export async function layerNames(env: Env, ref: string): Promise<string[]> {
  const names: string[] = [];
  for (const blob of await layerBlobs(env.root, ref)) {
    names.push(...execFileSync('tar', ['-tf', blob], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, '')));
  }
  return names;
}

/** Names in the top layer only (what the last step wrote). */
export async function topLayerNames(env: Env, ref: string): Promise<string[]> {
  const blob = (await layerBlobs(env.root, ref)).at(-1)!;
  return execFileSync('tar', ['-tf', blob], { encoding: 'utf8' }).split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, ''));
}
