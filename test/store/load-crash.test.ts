// `berth load` and `berth import` as real CLI processes: SIGKILLed at random moments (the store opens
// clean and holds the archive's images all or none), run side by side with each other and with
// prunes (no process fails, the store stays consistent), and fed hostile archives (refused with a
// clear error, exit 1, nothing recorded, nothing written outside the store).
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGzip, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { systemCheck } from '../../src/api/index.ts';
import { packTar, type TarSourceEntry } from '../../src/layer/index.ts';
import { Store } from '../../src/store/index.ts';
import { tempOwner } from '../../src/util/atomic-file.ts';
import { mulberry32 } from '../helpers/prng.ts';
import { checkStore, listTemp, sleep } from './helpers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(REPO, 'src/cli/main.ts');
const PRUNE_LOOP = fileURLToPath(new URL('./fixtures/prune-loop.ts', import.meta.url));
// Absolute, so the CLI can run with a cwd outside the repository (the hostile-archive tests do).
const TSX = import.meta.resolve('tsx');

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
interface Proc { child: ChildProcess; exited: Promise<Exit> }

const execFileP = promisify(execFile);
const running = new Set<ChildProcess>();

function start(args: readonly string[], opts: { cwd?: string } = {}): Proc {
  const child = spawn(process.execPath, ['--import', TSX, ...args], { cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => { running.delete(child); resolve({ code, signal, stdout, stderr }); });
  });
  return { child, exited };
}

/** `berth --root <root> ...args` as its own process. */
const berth = (root: string, args: readonly string[], opts: { cwd?: string } = {}): Proc => start([CLI, '--root', root, ...args], opts);

const show = (r: Exit): string => `exit ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

async function berthOk(root: string, args: readonly string[]): Promise<string> {
  const r = await berth(root, args).exited;
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${show(r)}`);
  return r.stdout;
}

/** `berth system check` exits 0 and reports nothing. */
async function assertCheckClean(root: string, what: string): Promise<void> {
  const r = await berth(root, ['system', 'check']).exited;
  assert.equal(r.code, 0, `${what}: system check: ${show(r)}`);
  assert.equal(r.stdout, 'the store is consistent\n', `${what}: system check reported problems`);
  // The independent reading of the invariant (plain fs calls, not the code under test).
  assert.deepEqual((await checkStore(root)).problems, [], what);
}

interface RefsDoc { images: Record<string, { manifest: string; config: string }>; tags: Record<string, string> }

async function readRefs(root: string): Promise<RefsDoc> {
  try {
    return JSON.parse(await readFile(path.join(root, 'refs.json'), 'utf8')) as RefsDoc;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { images: {}, tags: {} };
    throw e;
  }
}

const sha256 = (b: Uint8Array | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const tarOf = (entries: readonly TarSourceEntry[]): Promise<Buffer> => collect(packTar(entries));
const file = (name: string, body: Buffer | string): TarSourceEntry => ({ header: { name, type: 'file', mode: 0o644 }, body });

/** A 'images --no-trunc' listing restricted to the archive's repositories, sorted. */
async function archiveListing(root: string): Promise<string[]> {
  const out = await berthOk(root, ['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
  return out.split('\n').filter((l) => / demo\/bb\d:/.test(l)).sort();
}

let work = '';
const f = { all: '', allGz: '', other: '', bigger: '' };
let src = '';
/** Config digest (image ID) of each image in all.tar. */
let archiveIds = new Set<string>();
/** Normalized tag → config digest, for all.tar's images, as the source store records them. */
let archiveTags: Record<string, string> = {};
let sourceListing: string[] = [];

before(async () => {
  const base = (await access('/dev/shm', constants.W_OK).then(() => true, () => false)) ? '/dev/shm' : tmpdir();
  work = await mkdtemp(path.join(base, 'berth-load-crash-'));
  src = path.join(work, 'src-store');
  // Three busybox root filesystems that differ (2, 3, 4 MB of random data beside busybox), and a
  // bigger one (8 MB) for the import kills.
  const rootfs = async (name: string, mb: number): Promise<string> => {
    const dir = path.join(work, name);
    await mkdir(path.join(dir, 'bin'), { recursive: true });
    await mkdir(path.join(dir, 'data'));
    await copyFile('/bin/busybox', path.join(dir, 'bin/busybox'));
    await symlink('busybox', path.join(dir, 'bin/sh'));
    await writeFile(path.join(dir, 'data/random'), randomBytes(mb * 1024 * 1024));
    await writeFile(path.join(dir, 'data/name'), `${name}\n`);
    const tar = `${dir}.tar`;
    await execFileP('tar', ['-C', dir, '-cf', tar, '.']);
    return tar;
  };
  const [r1, r2, r3, big] = await Promise.all([rootfs('bb1', 2), rootfs('bb2', 3), rootfs('bb3', 4), rootfs('big', 8)]);
  f.bigger = big!;
  // Four imports into one store at once, then a second tag on bb1.
  await Promise.all([
    berthOk(src, ['import', '-c', 'CMD ["/bin/sh"]', '-c', 'LABEL n=1', r1!, 'demo/bb1:v1']),
    berthOk(src, ['import', '-c', 'LABEL n=2', r2!, 'demo/bb2:v2']),
    berthOk(src, ['import', '-c', 'LABEL n=3', '-m', 'third', r3!, 'demo/bb3:v3']),
    berthOk(src, ['import', big!, 'demo/big:1']),
  ]);
  await berthOk(src, ['tag', 'demo/bb1:v1', 'demo/bb1:latest']);
  f.all = path.join(work, 'all.tar');
  f.allGz = path.join(work, 'all.tar.gz');
  f.other = path.join(work, 'other.tar');
  [, , sourceListing] = await Promise.all([
    berthOk(src, ['save', '-o', f.all, 'demo/bb1:v1', 'demo/bb1:latest', 'demo/bb2:v2', 'demo/bb3:v3']),
    berthOk(src, ['save', '-o', f.other, 'demo/big:1', 'demo/bb1:v1']),
    archiveListing(src),
  ]);
  await writeFile(f.allGz, gzipSync(await readFile(f.all), { level: 1 }));

  const doc = await readRefs(src);
  archiveTags = Object.fromEntries(Object.entries(doc.tags).filter(([t]) => /\/demo\/bb\d:/.test(t)).map(([t, m]) => [t, doc.images[m]!.config]));
  archiveIds = new Set(Object.values(archiveTags));
  assert.equal(archiveIds.size, 3);
  assert.equal(Object.keys(archiveTags).length, 4);
  assert.equal(sourceListing.length, 4);
});

after(async () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
});

/** Resolves true once the process has a temp file in the store, false if it exits first. */
async function workStarted(root: string, run: Proc): Promise<boolean> {
  let exited = false;
  void run.exited.then(() => { exited = true; });
  for (;;) {
    if (exited) return false;
    if ((await listTemp(root)).some((name) => tempOwner(name) === run.child.pid)) return true;
    await sleep(5);
  }
}

/** The archive's images are in the store all with their tags, or not at all. Returns which. */
async function allOrNothing(root: string, what: string): Promise<'all' | 'none'> {
  const doc = await readRefs(root);
  const present = Object.values(doc.images).filter((i) => archiveIds.has(i.config));
  const tagged = Object.keys(doc.tags).filter((t) => t in archiveTags);
  if (present.length === 0) {
    assert.deepEqual(tagged, [], `${what}: tags without images`);
    return 'none';
  }
  assert.equal(present.length, archiveIds.size, `${what}: only ${present.length} of the archive's ${archiveIds.size} images were recorded`);
  for (const [t, config] of Object.entries(archiveTags)) {
    assert.equal(doc.images[doc.tags[t] ?? '']?.config, config, `${what}: tag ${t}`);
  }
  return 'all';
}

describe('berth load and import as processes', { concurrency: 1 }, () => {
  it('SIGKILL during load (plain and gzip) and import, 20 times: the store opens clean, all or nothing', { timeout: 600_000 }, async (t) => {
    const seed = Number(process.env.BERTH_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    t.diagnostic(`seed ${seed} (BERTH_TEST_SEED replays the kill delays)`);
    const rng = mulberry32(seed);
    const stats = { killed: 0, finished: 0, leftovers: 0, full: 0, empty: 0, fresh: 0, killedLoads: 0, killedImports: 0 };
    // Two lanes with their own stores, so the 20 process start-ups overlap on two cores.
    // Spread over a load's working time, which parallel gzip and a faster start have brought under a
    // second here (a few finish before the kill, and show a completed load survives): longer delays
    // mostly kill a process that has already finished.
    const delays = Array.from({ length: 20 }, () => 30 + Math.floor(rng() * 970));
    const freshDraws = Array.from({ length: 20 }, () => rng() < 0.25);
    const lane = async (n: number): Promise<void> => {
      const root = path.join(work, `kill-lane-${n}`);
      let wipe = true;
      for (let k = 0; k < 10; k++) {
        const i = n * 10 + k;
        if (wipe || freshDraws[i]) { await rm(root, { recursive: true, force: true }); stats.fresh++; }
        const kind = (['load', 'load-gz', 'import'] as const)[i % 3]!;
        const what = `lane ${n} run ${k} (${kind}, kill after ${delays[i]} ms)`;
        const run = berth(root, kind === 'import' ? ['import', f.bigger, `x:${i}`] : ['load', '-i', kind === 'load' ? f.all : f.allGz]);
        // The delay counts from the process's first temp file (its work has begun), not from the
        // spawn: node's start-up takes from 0.8 s to several on a loaded machine, and a kill
        // there tests nothing.
        if (await workStarted(root, run)) await sleep(delays[i]!);
        run.child.kill('SIGKILL');
        const r = await run.exited;
        if (r.signal === 'SIGKILL') {
          stats.killed++;
          stats[kind === 'import' ? 'killedImports' : 'killedLoads']++;
        } else {
          assert.equal(r.code, 0, `${what}: ${show(r)}`);
          stats.finished++;
        }
        const pid = run.child.pid!;
        if ((await listTemp(root)).some((name) => tempOwner(name) === pid)) stats.leftovers++;

        // A new process opens the store: the dead one's temp files go, nothing else is wrong.
        await assertCheckClean(root, what);
        assert.deepEqual(await listTemp(root), [], `${what}: leftovers survived the next open`);
        const state = await allOrNothing(root, what);
        if (kind !== 'import' && r.code === 0) assert.equal(state, 'all', `${what}: finished but not recorded`);
        if (kind === 'import' && r.code === 0) assert.ok(`docker.io/library/x:${i}` in (await readRefs(root)).tags, `${what}: import finished but not tagged`);
        stats[state === 'all' ? 'full' : 'empty']++;
        // Once the archive is in, another load cannot show a half-done state: start over.
        wipe = state === 'all';
      }
      if (n !== 0) return;
      // The store every kill of lane 0 went through still loads normally and lists the source's images.
      const out = await berthOk(root, ['load', '-i', f.all]);
      assert.deepEqual(out.split('\n').filter(Boolean).sort(), ['Loaded image: demo/bb1:latest', 'Loaded image: demo/bb1:v1', 'Loaded image: demo/bb2:v2', 'Loaded image: demo/bb3:v3']);
      assert.deepEqual(await archiveListing(root), sourceListing);
      await assertCheckClean(root, `lane ${n} final load`);
    };
    await Promise.all([lane(0), lane(1)]);
    t.diagnostic(`${stats.killed} killed (${stats.killedLoads} loads, ${stats.killedImports} imports), ${stats.finished} finished before the kill; ${stats.leftovers} left temp files that the next open removed; ` +
      `archive afterwards: ${stats.full} all in, ${stats.empty} none; ${stats.fresh} fresh stores`);
    assert.ok(stats.killed >= 10, 'most runs were killed while running');
  });

  it('two loads of different archives and two prune loops at once: no process fails, the store stays consistent', { timeout: 300_000 }, async (t) => {
    const root = path.join(work, 'load-prune');
    await Store.open(root); // created before the prune worker opens it
    const pruner = start([PRUNE_LOOP, root]);
    await new Promise<void>((resolve, reject) => {
      pruner.child.stdout!.on('data', (s: Buffer) => { if (String(s).includes('ready')) resolve(); });
      void pruner.exited.then((r) => reject(new Error(`prune loop exited early: ${show(r)}`)));
    });
    let loading = true;
    const cliPrunes: Exit[] = [];
    const cliLoop = (async () => {
      while (loading) cliPrunes.push(await berth(root, ['image', 'prune', '-a', '-f']).exited);
    })();
    const loads = await Promise.all([berth(root, ['load', '-i', f.all]).exited, berth(root, ['load', '-i', f.other]).exited]);
    loading = false;
    await cliLoop;
    pruner.child.stdin!.end('stop\n');
    const pr = await pruner.exited;
    for (const r of loads) assert.equal(r.code, 0, `load: ${show(r)}`);
    assert.match(loads[0]!.stdout, /Loaded image: demo\/bb2:v2/);
    assert.match(loads[1]!.stdout, /Loaded image: demo\/big:1/);
    for (const r of cliPrunes) assert.equal(r.code, 0, `image prune -a -f: ${show(r)}`);
    assert.equal(pr.code, 0, `prune loop: ${show(pr)}`);
    const summary = JSON.parse(pr.stdout.trim().split('\n').pop()!) as { runs: number; deleted: number; errors: string[] };
    assert.deepEqual(summary.errors, []);
    assert.ok(cliPrunes.length > 0 && summary.runs > 0);
    t.diagnostic(`${cliPrunes.length} CLI prunes and ${summary.runs} api prunes (${summary.deleted} images deleted) ran beside the loads`);
    // Whatever the prunes left must be whole; what they took must be gone cleanly.
    // (Not all-or-nothing: a prune removes images one by one, and a load may re-add one of them
    // between two removals. Consistency is what must hold.)
    await assertCheckClean(root, 'after loads and prunes');
  });

  it('two loads of the same archive at once both succeed and record each image once', { timeout: 300_000 }, async () => {
    const root = path.join(work, 'same-twice');
    const [a, b] = await Promise.all([berth(root, ['load', '-i', f.all]).exited, berth(root, ['load', '-i', f.all]).exited]);
    assert.equal(a!.code, 0, show(a!));
    assert.equal(b!.code, 0, show(b!));
    assert.equal(a!.stdout, b!.stdout);
    const doc = await readRefs(root);
    assert.equal(Object.keys(doc.images).length, 3);
    assert.deepEqual(Object.keys(doc.tags).sort(), Object.keys(archiveTags).sort());
    assert.equal(await allOrNothing(root, 'two loads'), 'all');
    // Three manifests, three configs, three layers: nothing stored twice, no orphan.
    assert.equal((await checkStore(root)).blobs, 9);
    await assertCheckClean(root, 'two loads');
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile archives

const LAYER_TEXT = 'hello from an archive\n';
const layerTar = (): Promise<Buffer> => tarOf([file('hello.txt', LAYER_TEXT)]);
const configFor = (diffIds: readonly string[]): Buffer => Buffer.from(JSON.stringify({
  architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds }, history: [{ created_by: 'hostile test' }],
}));
const dockerManifest = (entries: readonly unknown[]): TarSourceEntry => file('manifest.json', JSON.stringify(entries));

interface HostileCase {
  name: string;
  archive: () => Promise<Buffer>;
  error: RegExp;
}

const CASES: HostileCase[] = [
  {
    name: 'manifest.json Config "../../etc/passwd" and Layers ["../x"]',
    archive: async () => {
      const layer = await layerTar();
      return tarOf([file('x', layer), file('config.json', configFor([sha256(layer)])),
        dockerManifest([{ Config: '../../etc/passwd', RepoTags: ['hostile/a:1'], Layers: ['../x'] }])]);
    },
    error: /archive entry '\.\.\/\.\.\/etc\/passwd' points outside the archive/,
  },
  {
    name: 'manifest.json Layers entry "../x" (the Config is fine)',
    archive: async () => {
      const layer = await layerTar();
      return tarOf([file('x', layer), file('config.json', configFor([sha256(layer)])),
        dockerManifest([{ Config: 'config.json', RepoTags: ['hostile/a:1'], Layers: ['../x'] }])]);
    },
    error: /archive entry '\.\.\/x' points outside the archive/,
  },
  {
    name: 'an entry named ../evil',
    archive: async () => {
      const layer = await layerTar();
      return tarOf([file('layer.tar', layer), file('../evil', 'pwned\n'), file('../sentinel/secret', 'pwned\n'),
        file('config.json', configFor([sha256(layer)])), dockerManifest([{ Config: 'config.json', RepoTags: ['hostile/a:1'], Layers: ['layer.tar'] }])]);
    },
    error: /archive entry '\.\.\/evil' points outside the archive/,
  },
  {
    name: 'a layer that is a symlink to /etc/passwd',
    archive: async () => {
      const passwd = await readFile('/etc/passwd');
      const hex = sha256(passwd).slice(7);
      return tarOf([
        { header: { name: `blobs/sha256/${hex}`, type: 'symlink', linkname: '/etc/passwd' } },
        file('config.json', configFor([sha256(passwd)])),
        dockerManifest([{ Config: 'config.json', RepoTags: ['hostile/a:1'], Layers: [`blobs/sha256/${hex}`] }]),
      ]);
    },
    error: /the archive has no layer 'blobs\/sha256\/[0-9a-f]{64}'/,
  },
  {
    name: 'a layer that is a symlink climbing out of the archive (../../../sentinel/secret)',
    archive: async () => {
      const layer = await layerTar();
      return tarOf([
        { header: { name: 'blobs/sha256/aaaa', type: 'symlink', linkname: '../../../sentinel/secret' } },
        file('config.json', configFor([sha256(layer)])),
        dockerManifest([{ Config: 'config.json', RepoTags: ['hostile/a:1'], Layers: ['blobs/sha256/aaaa'] }]),
      ]);
    },
    error: /points outside the archive/,
  },
  {
    name: 'a layer whose content does not match its diff_id (one flipped byte)',
    archive: async () => {
      const layer = await layerTar();
      const config = configFor([sha256(layer)]);
      layer[512] = layer[512]! ^ 0x01; // the first byte of hello.txt's content; the tar stays well-formed
      return tarOf([file('layer.tar', layer), file('config.json', config), dockerManifest([{ Config: 'config.json', RepoTags: ['hostile/a:1'], Layers: ['layer.tar'] }])]);
    },
    error: /layer 1 has diff_id sha256:[0-9a-f]{64}, but the config says sha256:[0-9a-f]{64}/,
  },
  {
    name: 'a truncated archive',
    archive: async () => { const all = await readFile(f.all); return all.subarray(0, Math.floor(all.length * 0.55)); },
    error: /archive truncated/,
  },
  {
    name: 'a truncated gzip-compressed archive',
    archive: async () => { const gz = await readFile(f.allGz); return gz.subarray(0, Math.floor(gz.length * 0.55)); },
    error: /corrupt gzip data: unexpected end of file/,
  },
  {
    name: 'a config listing 2 diff_ids for 1 layer',
    archive: async () => {
      const layer = await layerTar();
      return tarOf([file('layer.tar', layer), file('config.json', configFor([sha256(layer), sha256('another')])),
        dockerManifest([{ Config: 'config.json', RepoTags: ['hostile/a:1'], Layers: ['layer.tar'] }])]);
    },
    error: /lists 2 layers, but the archive gives 1/,
  },
  {
    name: 'an OCI layout whose index points to a manifest blob that does not match its digest',
    archive: async () => {
      const layer = await layerTar();
      const config = configFor([sha256(layer)]);
      const manifest = (tag: string): Buffer => Buffer.from(JSON.stringify({
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
        annotations: { note: tag },
      }));
      const announced = manifest('good');
      const stored = manifest('evil'); // same size, other bytes
      const blob = (d: string): string => `blobs/sha256/${d.slice(7)}`;
      return tarOf([
        file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' })),
        file(blob(sha256(layer)), layer),
        file(blob(sha256(config)), config),
        file(blob(sha256(announced)), stored),
        file('index.json', JSON.stringify({
          schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(announced), size: announced.length, annotations: { 'io.containerd.image.name': 'docker.io/hostile/a:1' } }],
        })),
      ]);
    },
    error: /image manifest sha256:[0-9a-f]{64} does not match its descriptor/,
  },
  {
    name: 'a 9 MB manifest.json',
    archive: async () => {
      const layer = await layerTar();
      const entry = JSON.stringify([{ Config: 'config.json', RepoTags: ['hostile/a:1'], Layers: ['layer.tar'] }]);
      return tarOf([file('layer.tar', layer), file('config.json', configFor([sha256(layer)])),
        file('manifest.json', entry.slice(0, -1) + ' '.repeat(9 * 1024 * 1024) + ']')]);
    },
    error: /manifest 'manifest\.json' is \d+ bytes, more than the 8388608 allowed/,
  },
];

/** Runs `berth load -i` on the archive in a directory beside a sentinel, and checks every promise. */
async function assertRefused(c: HostileCase): Promise<void> {
  const dir = await mkdtemp(path.join(work, 'hostile-'));
  const store = path.join(dir, 'store');
  const sentinel = path.join(dir, 'sentinel');
  const cwd = path.join(dir, 'cwd');
  await mkdir(sentinel);
  await mkdir(cwd);
  await writeFile(path.join(sentinel, 'secret'), 'untouched\n');
  const archive = path.join(dir, 'archive.tar');
  await writeFile(archive, await c.archive());

  // From a cwd beside the sentinel: a relative path that escaped would land next to it.
  const r = await berth(store, ['load', '-i', archive], { cwd }).exited;
  assert.equal(r.code, 1, `${c.name}: ${show(r)}`);
  assert.equal(r.stdout, '', c.name);
  assert.match(r.stderr, /^berth load: /, c.name);
  assert.match(r.stderr, c.error, c.name);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${c.name}: stack trace`);

  // The failed process removed its own staging files (no open had to do it).
  assert.deepEqual(await listTemp(store), [], `${c.name}: staging files left behind`);
  const doc = await readRefs(store);
  assert.deepEqual([Object.keys(doc.images), Object.keys(doc.tags)], [[], []], `${c.name}: something was recorded`);
  // Nothing outside the store.
  assert.deepEqual((await readdir(dir)).sort(), ['archive.tar', 'cwd', 'sentinel', 'store'], c.name);
  assert.deepEqual(await readdir(cwd), [], c.name);
  assert.deepEqual(await readdir(sentinel), ['secret'], c.name);
  assert.equal(await readFile(path.join(sentinel, 'secret'), 'utf8'), 'untouched\n', c.name);
  for (const name of await readdir(store)) assert.ok(['blobs', 'tmp', 'store.lock', 'refs.json'].includes(name), `${c.name}: store holds ${name}`);
  assert.deepEqual(await readdir(path.join(store, 'blobs')), ['sha256'], c.name);
  // The checker in-process (the code behind `berth system check`; the kill test runs the CLI one).
  assert.deepEqual(await systemCheck(store), [], c.name);
  assert.deepEqual((await checkStore(store)).problems, [], c.name);
}

describe('berth load refuses hostile archives', { concurrency: 2 }, () => {
  for (const c of CASES) {
    it(c.name, { timeout: 120_000 }, () => assertRefused(c));
  }

  it('a gzip bomb as the archive: there is no bound on the outer archive, but what inflates stays in the store\'s tmp and goes with the failure', { timeout: 300_000 }, async (t) => {
    // 128 MiB of zeros in one entry inflate from ~130 KiB. `berth load` stages every entry before it
    // reads manifest.json, with no limit on the total (docker load has none either), so the bomb
    // is only refused because it holds no image. Reported, not asserted as a limit.
    const inflated = 128 * 1024 * 1024;
    const zeros = Buffer.alloc(1024 * 1024);
    const gz = await collect(packTar([{ header: { name: 'junk', type: 'file', size: inflated }, body: (function* () { for (let i = 0; i < 128; i++) yield zeros; })() }]).pipe(createGzip({ level: 9 })));
    t.diagnostic(`gzip bomb: ${gz.length} bytes inflate to ${inflated + 2048}`);
    await assertRefused({ name: 'gzip bomb', archive: async () => gz, error: /not an image archive: it has neither manifest\.json nor index\.json/ });
  });
});
