// Shared by the store tests (and the worker fixture): hand-made OCI images, temp roots, and a
// checker for the store invariant of reliability.md §3 (every blob hashes to its name, refs.json
// parses, every recorded image has all its blobs, tags point at recorded images).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/store/index.ts';

export const WORKER = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * A fresh store root, removed after the test. `memory` puts it on /dev/shm when there is one:
 * the multi-process tests then measure locking and atomicity rather than the disk's fsync latency
 * (the research plan's harness runs the store on tmpfs too).
 */
export async function tempRoot(t: { after(fn: () => Promise<void>): void }, opts: { memory?: boolean } = {}): Promise<string> {
  const base = opts.memory === true && (await access('/dev/shm', constants.W_OK).then(() => true, () => false)) ? '/dev/shm' : tmpdir();
  const dir = await mkdtemp(path.join(base, 'berth-store-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'store');
}

export interface ImageBlobs {
  manifest: { digest: string; bytes: Buffer };
  config: { digest: string; bytes: Buffer };
  layers: Array<{ digest: string; bytes: Buffer }>;
}

/** A minimal OCI image (manifest + config + layers) whose blobs are not stored yet. */
export function makeImage(layers: readonly Buffer[], label = randomBytes(4).toString('hex')): ImageBlobs {
  const ls = layers.map((bytes) => ({ digest: sha256(bytes), bytes }));
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Labels: { 'test.label': label } },
    rootfs: { type: 'layers', diff_ids: ls.map((l) => l.digest) },
  }));
  const configDigest = sha256(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: ls.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.bytes.length })),
  }));
  return { manifest: { digest: sha256(manifest), bytes: manifest }, config: { digest: configDigest, bytes: config }, layers: ls };
}

/** Stores an image's blobs and records it, inside one write() so a concurrent GC cannot interfere. */
export async function storeImage(store: Store, img: ImageBlobs, tags: readonly string[] = []): Promise<void> {
  await store.write(async () => {
    for (const l of img.layers) await store.blobs.put(l.bytes, { digest: l.digest, size: l.bytes.length });
    await store.blobs.put(img.config.bytes, { digest: img.config.digest });
    await store.blobs.put(img.manifest.bytes, { digest: img.manifest.digest });
    await store.addImage({ manifest: img.manifest.digest, config: img.config.digest, tags });
  });
}

export async function listTemp(root: string): Promise<string[]> {
  return readdir(path.join(root, 'tmp')).catch(() => []);
}

export interface StoreCheck {
  blobs: number;
  images: number;
  tags: number;
  problems: string[];
}

/** The on-disk store invariant, read with plain fs calls (not through the code under test). */
export async function checkStore(root: string): Promise<StoreCheck> {
  const problems: string[] = [];
  const blobDir = path.join(root, 'blobs', 'sha256');
  const names = await readdir(blobDir).catch(() => [] as string[]);
  const present = new Set<string>();
  for (const name of names) {
    const bytes = await readFile(path.join(blobDir, name));
    if (sha256(bytes) !== `sha256:${name}`) problems.push(`blob ${name} does not hash to its name (${bytes.length} bytes)`);
    present.add(`sha256:${name}`);
  }
  let doc: { version: number; images: Record<string, { manifest: string; config: string }>; tags: Record<string, string> };
  try {
    doc = JSON.parse(await readFile(path.join(root, 'refs.json'), 'utf8')) as typeof doc;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { blobs: names.length, images: 0, tags: 0, problems };
    problems.push(`refs.json does not parse: ${(e as Error).message}`);
    return { blobs: names.length, images: 0, tags: 0, problems };
  }
  for (const [key, rec] of Object.entries(doc.images)) {
    if (rec.manifest !== key) problems.push(`image record ${key} names manifest ${rec.manifest}`);
    if (!present.has(rec.manifest)) { problems.push(`image ${key}: manifest blob missing`); continue; }
    const m = JSON.parse(await readFile(path.join(blobDir, rec.manifest.slice(7)), 'utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
    if (m.config.digest !== rec.config) problems.push(`image ${key}: record config ${rec.config} differs from manifest's ${m.config.digest}`);
    for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
      if (!present.has(d)) problems.push(`image ${key}: blob ${d} missing`);
    }
  }
  for (const [tag, m] of Object.entries(doc.tags)) {
    if (!doc.images[m]) problems.push(`tag ${tag} points at unrecorded image ${m}`);
  }
  return { blobs: names.length, images: Object.keys(doc.images).length, tags: Object.keys(doc.tags).length, problems };
}

export interface Worker {
  child: ChildProcess;
  /** Resolves with the first stdout line that satisfies `pred`. */
  line(pred: (l: string) => boolean): Promise<string>;
  /** Writes a last line to the worker's stdin (opens a `gate`). */
  send(line: string): void;
  /** Resolves when the process has exited (and been reaped). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const running = new Set<ChildProcess>();

/** SIGKILLs the workers this process started that are still running (after a failed test). */
export function killStragglers(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Spawns test/store/fixtures/worker.ts in its own node process. */
export function spawnWorker(root: string, op: string, opts: Record<string, unknown> = {}): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, root, op, JSON.stringify(opts)], {
    cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pred: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    pending += s;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const l = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      for (const w of waiters.splice(0)) {
        if (w.pred(l)) w.resolve(l); else waiters.push(w);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  child.stdin.on('error', () => undefined); // the worker may be dead already
  return {
    child,
    exited,
    send: (l) => { child.stdin.end(l + '\n'); },
    line: (pred) => new Promise<string>((resolve, reject) => {
      waiters.push({ pred, resolve });
      void exited.then((r) => reject(new Error(`worker ${op} exited (${r.code ?? r.signal}) before the expected line\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)));
    }),
  };
}

/** Runs a worker to completion; fails with its stderr unless it exits 0. Returns its last stdout line as JSON. */
export async function runWorker<T>(root: string, op: string, opts: Record<string, unknown> = {}): Promise<T> {
  const r = await spawnWorker(root, op, opts).exited;
  if (r.code !== 0) throw new Error(`worker ${op} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/**
 * Starts every worker with a gate, waits until all have started (node start-up takes seconds on a
 * loaded machine), opens the gates together and returns each one's JSON summary.
 */
export async function runTogether<T>(root: string, jobs: ReadonlyArray<{ op: string; opts?: Record<string, unknown> }>): Promise<T[]> {
  const workers = jobs.map((j) => spawnWorker(root, j.op, { ...j.opts, gate: true }));
  await Promise.all(workers.map((w) => w.line((l) => l === 'ready')));
  for (const w of workers) w.send('go');
  return Promise.all(workers.map(async (w, i) => {
    const r = await w.exited;
    if (r.code !== 0) throw new Error(`worker ${jobs[i]!.op} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]!) as T;
  }));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
