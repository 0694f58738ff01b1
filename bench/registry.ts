// `npm run bench:registry`: berth push and pull of a ~300 MB two-layer image (one layer of random
// bytes, one that gzip shrinks ~15x: ~141 MB gzipped) against a fresh local Distribution 2.8, side
// by side with docker push/pull (a private dockerd) and buildah push/pull, as ratios in one run.
// Every push starts from the uncompressed image in the tool's local store and goes to a registry
// started for it; every pull fetches the same image (berth's push) into a tool with nothing of it.
// The tools take turns, rotating who goes first; the median wall time is reported, with the peak
// resident memory of berth's process tree. berth runs as the bundled CLI (rebuilt first). Results go
// to bench/results/registry-<date>.json and registry-latest.json. Needs root (dockerd, buildah).
//
//   node --import tsx bench/registry.ts [--runs N] [--tool NAME]... [--berth PATH]
// --berth runs another berth executable (e.g. a bundle built from a clean checkout) instead of
// rebuilding and running this tree's bin/berth.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DockerEngine, dockerdUnavailable, which } from '../test/helpers/dockerd.ts';
import { startRegistry, type RegistryServer } from '../test/helpers/registry-server.ts';
import { measure, median, run, type Command } from './measure.ts';
import { BERTH_BIN, removeTree } from './tools.ts';

type ToolName = 'berth' | 'docker' | 'buildah';
const LABEL: Record<ToolName, string> = { berth: 'berth', docker: 'docker', buildah: 'buildah' };
const IMAGE = 'bench/registry:1';

const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, tool: { type: 'string', multiple: true }, berth: { type: 'string' }, 'no-write': { type: 'boolean', default: false } },
});
const BERTH = flags.berth ?? BERTH_BIN;
const RUNS = Number(flags.runs);
const REPO = path.resolve(import.meta.dirname, '..');
const log = (msg: string): void => { process.stderr.write(`bench: ${msg}\n`); };
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** A tool that can load the archive, push to a registry and pull from it, each step undoable. */
interface RegistryTool {
  readonly name: ToolName;
  readonly version: string;
  /** Makes the uncompressed image present locally (not timed). */
  prepare(): Promise<void>;
  push(reg: RegistryServer, ref: string): Command;
  /** Removes everything local of `ref` (not timed), so the pull starts from nothing. */
  forget(ref: string): Promise<void>;
  pull(ref: string): Command;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

/** Writes `size` bytes made by `chunk(i)` in 1 MiB pieces. */
function writeFile(file: string, size: number, chunk: () => Buffer): void {
  const fd = openSync(file, 'w');
  try {
    for (let done = 0; done < size; done += MiB) writeSync(fd, chunk().subarray(0, Math.min(MiB, size - done)));
  } finally {
    closeSync(fd);
  }
}

/** A docker-archive (docker save layout) of two layers: 129 MiB random, 170 MiB that gzips ~15x. */
function makeArchive(dir: string): string {
  const sha = (file: string): string => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
  const layers: string[] = [];
  const contents: Array<[string, number, () => Buffer]> = [
    ['random.bin', 129 * MiB, () => randomBytes(MiB)],
    // 4 KiB blocks of 256 random bytes and zeros: gzip keeps about 7 % of it.
    ['sparse.bin', 170 * MiB, () => { const b = Buffer.alloc(MiB); for (let o = 0; o < MiB; o += 4096) randomBytes(256).copy(b, o); return b; }],
  ];
  const archive = path.join(dir, 'archive');
  for (const [name, size, chunk] of contents) {
    const src = path.join(dir, `layer-${name}`);
    mkdirSync(path.join(src, 'data'), { recursive: true });
    writeFile(path.join(src, 'data', name), size, chunk);
    const tarFile = path.join(dir, `${name}.tar`);
    const r = spawnSync('tar', ['--numeric-owner', '--sort=name', '--mtime=@0', '-C', src, '-cf', tarFile, 'data']);
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    layers.push(tarFile);
    rmSync(src, { recursive: true });
  }
  mkdirSync(archive);
  const diffIds = layers.map(sha);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z', config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds }, history: diffIds.map(() => ({ created: '2026-01-01T00:00:00Z', created_by: 'bench' })),
  }));
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  writeFileSync(path.join(archive, configName), config);
  const names = layers.map((l, i) => {
    const name = `${diffIds[i]!.slice(7)}/layer.tar`;
    mkdirSync(path.join(archive, path.dirname(name)));
    spawnSync('mv', [l, path.join(archive, name)]);
    return name;
  });
  writeFileSync(path.join(archive, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [IMAGE], Layers: names }]));
  const tarFile = path.join(dir, 'image.tar');
  const r = spawnSync('tar', ['-C', archive, '-cf', tarFile, '.']);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  rmSync(archive, { recursive: true });
  return tarFile;
}

class BerthTool implements RegistryTool {
  readonly name = 'berth';
  private n = 0;
  private root = '';
  constructor(private readonly dir: string, private readonly archive: string, readonly version: string) {}

  private cli(args: string[], root = this.root): Command {
    return { file: BERTH, args: ['--root', root, ...args] };
  }

  // A new store per push: berth keeps the gzip of a pushed layer, which would make later pushes warm.
  async prepare(): Promise<void> {
    if (this.root) removeTree(this.root);
    this.root = path.join(this.dir, `berth-${++this.n}`);
    await run(this.cli(['load', '-q', '-i', this.archive]));
  }

  push(_reg: RegistryServer, ref: string): Command {
    spawnSync(BERTH, ['--root', this.root, 'tag', IMAGE, ref]);
    return this.cli(['push', '-q', ref]);
  }

  async forget(): Promise<void> {
    if (this.root) removeTree(this.root);
    this.root = path.join(this.dir, `berth-${++this.n}`);
  }

  pull(ref: string): Command {
    return this.cli(['pull', '-q', ref]);
  }

  async close(): Promise<void> {
    if (this.root) removeTree(this.root);
  }
}

class DockerTool implements RegistryTool {
  readonly name = 'docker';
  private constructor(private readonly engine: DockerEngine, private readonly archive: string, readonly version: string) {}

  static async create(archive: string): Promise<DockerTool> {
    const why = dockerdUnavailable();
    if (why) throw new Error(why);
    const engine = await DockerEngine.start();
    const version = engine.docker(['version', '--format', 'engine {{.Server.Version}}, CLI {{.Client.Version}}']).trim();
    return new DockerTool(engine, archive, version);
  }

  async prepare(): Promise<void> {
    if (this.engine.run(['image', 'inspect', IMAGE]).status !== 0) this.engine.docker(['load', '-q', '-i', this.archive], undefined, { timeoutMs: 600_000 });
  }

  push(_reg: RegistryServer, ref: string): Command {
    this.engine.docker(['tag', IMAGE, ref]);
    return { file: which('docker')!, args: ['push', '-q', ref], env: this.engine.env() };
  }

  async forget(ref: string): Promise<void> {
    // Untag everything but the loaded image; then the pulled layers are gone with the pulled tag.
    const tags = this.engine.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').filter((t) => t && t !== IMAGE);
    if (tags.length) this.engine.run(['rmi', ...tags]);
    this.engine.run(['rmi', '-f', IMAGE]);
    this.engine.run(['rmi', ref]);
    this.engine.run(['image', 'prune', '-af']);
  }

  pull(ref: string): Command {
    return { file: which('docker')!, args: ['pull', '-q', ref], env: this.engine.env() };
  }

  async close(): Promise<void> {
    await this.engine.stop();
  }
}

class BuildahTool implements RegistryTool {
  readonly name = 'buildah';
  constructor(private readonly dir: string, private readonly archive: string, private readonly bin: string, readonly version: string) {}

  private cli(args: string[]): Command {
    return { file: this.bin, args: ['--storage-driver', 'overlay', '--root', path.join(this.dir, 'root'), '--runroot', path.join(this.dir, 'run'), ...args] };
  }

  async prepare(): Promise<void> {
    if ((await measure(this.cli(['inspect', IMAGE])).then(() => true, () => false))) return;
    await run(this.cli(['pull', '-q', `docker-archive:${this.archive}`]));
    await run(this.cli(['tag', `docker.io/${IMAGE}`, IMAGE])).catch(() => undefined);
  }

  push(_reg: RegistryServer, ref: string): Command {
    return this.cli(['push', '-q', '--tls-verify=false', IMAGE, `docker://${ref}`]);
  }

  async forget(): Promise<void> {
    await measure(this.cli(['rmi', '--all', '--force'])).catch(() => undefined);
  }

  pull(ref: string): Command {
    return this.cli(['pull', '-q', '--tls-verify=false', `docker://${ref}`]);
  }

  async close(): Promise<void> {
    await this.forget();
    removeTree(this.dir);
  }
}

async function createTools(dir: string, archive: string): Promise<RegistryTool[]> {
  const wanted = new Set<string>(flags.tool ?? ['berth', 'docker', 'buildah']);
  const tools: RegistryTool[] = [];
  const makers: Array<[ToolName, () => Promise<RegistryTool>]> = [
    ['berth', async () => new BerthTool(dir, archive, (await run({ file: BERTH, args: ['--version'] })).trim())],
    ['docker', () => DockerTool.create(archive)],
    ['buildah', async () => {
      const bin = which('buildah');
      if (!bin) throw new Error('buildah is not installed (Debian package buildah)');
      return new BuildahTool(path.join(dir, 'buildah'), archive, bin, spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim());
    }],
  ];
  for (const [name, make] of makers) {
    if (!wanted.has(name)) continue;
    try {
      tools.push(await make());
    } catch (e) {
      if (name === 'berth') throw e;
      log(`skipping ${LABEL[name]}: ${(e as Error).message}`);
    }
  }
  return tools;
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b ? a / b : undefined);

interface Row { op: 'push' | 'pull'; times: Partial<Record<ToolName, number[]>>; berthPeak: number }

async function main(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) throw new Error('the bench needs Linux and root (a private dockerd, buildah)');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-bench-reg-'));
  const tools: RegistryTool[] = [];
  const registries: RegistryServer[] = [];
  const load = [loadavg()[0]!];
  try {
    const berthRepo = flags.berth ? path.resolve(path.dirname(flags.berth), '..') : REPO;
    if (!flags.berth) {
      const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
      if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stderr}`);
    }
    const revision = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout.trim() + (flags.berth ? ` (berth from ${berthRepo})` : '');
    const archive = makeArchive(dir);
    log(`image archive ready (${mb(statSync(archive).size)} MB uncompressed)`);
    tools.push(...(await createTools(dir, archive)));
    for (const t of tools) log(`${LABEL[t.name]}: ${t.version}`);
    const rows: Row[] = [{ op: 'push', times: {}, berthPeak: 0 }, { op: 'pull', times: {}, berthPeak: 0 }];
    // The image every tool pulls: berth's push, in a registry of its own.
    const source = await startRegistry('open');
    registries.push(source);
    const berth = tools.find((t) => t.name === 'berth')!;
    await berth.prepare();
    await run(berth.push(source, `${source.host}/bench/pulled:1`));
    const pullRef = `${source.host}/bench/pulled:1`;
    let gzipped = 0;
    const manifest = (await (await source.api('/v2/bench/pulled/manifests/1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } })).json()) as { layers: Array<{ size: number }> };
    for (const l of manifest.layers) gzipped += l.size;
    log(`the image is ${mb(gzipped)} MB gzipped`);
    for (let i = 0; i < RUNS; i++) {
      const order = tools.map((_, k) => tools[(k + i) % tools.length]!);
      for (const t of order) {
        await t.prepare();
        const reg = await startRegistry('open');
        const m = await measure(t.push(reg, `${reg.host}/bench/pushed:1`), { trackMemory: t.name === 'berth' });
        (rows[0]!.times[t.name] ??= []).push(m.seconds);
        if (m.peakRss !== undefined) rows[0]!.berthPeak = Math.max(rows[0]!.berthPeak, m.peakRss);
        log(`push #${i + 1} ${LABEL[t.name]}: ${m.seconds.toFixed(2)} s`);
        await reg.stop();
      }
      for (const t of order) {
        await t.forget(pullRef);
        const m = await measure(t.pull(pullRef), { trackMemory: t.name === 'berth' });
        (rows[1]!.times[t.name] ??= []).push(m.seconds);
        if (m.peakRss !== undefined) rows[1]!.berthPeak = Math.max(rows[1]!.berthPeak, m.peakRss);
        log(`pull #${i + 1} ${LABEL[t.name]}: ${m.seconds.toFixed(2)} s`);
      }
    }
    load.push(loadavg()[0]!);
    const results = rows.map((r) => {
      const med = Object.fromEntries(Object.entries(r.times).map(([k, v]) => [k, median(v)])) as Partial<Record<ToolName, number>>;
      return {
        op: r.op, runs: r.times, median: med, berthPeakMB: mb(r.berthPeak),
        ratios: { docker: ratio(med.berth, med.docker), buildah: ratio(med.berth, med.buildah) },
      };
    });
    const cell = (x: number | undefined, d = 2): string => (x === undefined ? '—' : x.toFixed(d));
    const table = [
      '| operation | berth s | docker s | buildah s | berth/docker | berth/buildah | berth peak MB |',
      '|---|--:|--:|--:|--:|--:|--:|',
      ...results.map((r) => `| ${r.op} | ${cell(r.median.berth)} | ${cell(r.median.docker)} | ${cell(r.median.buildah)} | ${cell(r.ratios.docker)} | ${cell(r.ratios.buildah)} | ${cell(r.berthPeakMB, 1)} |`),
    ].join('\n');
    process.stdout.write(`${table}\nimage: ${mb(statSync(archive).size)} MB uncompressed, ${mb(gzipped)} MB gzipped (berth's push); ${RUNS} runs each, median\n`);
    process.stdout.write(`${cpus().length} CPUs; 1-minute load average ${load[0]!.toFixed(1)} at the start, ${load[1]!.toFixed(1)} at the end\n`);
    const doc = {
      date: new Date().toISOString(), revision,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', memoryMB: Math.round(totalmem() / MiB), kernel: release(), node: process.version, loadAverage1m: { start: load[0], end: load[1] } },
      tools: Object.fromEntries(tools.map((t) => [t.name, t.version])),
      image: { uncompressedMB: mb(statSync(archive).size), gzippedMB: mb(gzipped), layers: 2 },
      method: {
        runs: RUNS, statistic: 'median wall time of the push or pull command (spawn to exit)',
        push: 'from the uncompressed image in the tool\'s local store (berth: a freshly loaded store each time) to a freshly started docker-registry 2.8 on loopback',
        pull: "the same image (berth's push) into a tool holding nothing of it (berth: an empty store; docker: rmi + prune; buildah: rmi --all)",
      },
      results,
    };
    if (!flags['no-write']) {
      const out = path.join(REPO, 'bench', 'results');
      mkdirSync(out, { recursive: true });
      const text = JSON.stringify(doc, null, 2) + '\n';
      writeFileSync(path.join(out, `registry-${doc.date.slice(0, 10)}.json`), text);
      writeFileSync(path.join(out, 'registry-latest.json'), text);
    }
  } finally {
    for (const r of registries) await r.stop();
    for (const t of tools) await t.close().catch(() => undefined);
    removeTree(dir);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
