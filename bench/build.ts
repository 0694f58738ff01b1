// `npm run bench`: berth build side by side with docker's BuildKit and buildah on this machine, in
// the same run, as ratios. Four scenarios (a no-op rebuild, a source-change rebuild, a cold COPY
// of a 10,000-file ~120 MB context, a cold RUN writing ~300 MB); the tools take turns within each
// iteration (rotating who goes first), and the median wall time of each is reported along with
// the peak resident memory of berth's process tree. berth runs as the bundled CLI (bin/berth),
// rebuilt first. Results go to bench/results/<date>.json and bench/results/latest.json (the one
// kept in git). A missing tool is skipped with the reason. Needs root (overlay mounts, runc, dockerd).
//
//   node --import tsx bench/build.ts [--runs N] [--cold-runs N] [--scenario NAME]... [--tool NAME]...
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeBusyboxRootfs } from '../test/helpers/dockerd.ts';
import { killCurrent, measure, median, type Measured } from './measure.ts';
import { BASE_APPLETS, makeScenarios, type Scenario, type ScenarioName } from './scenarios.ts';
import { Berth, Buildah, BuildKit, removeTree, type Tool, type ToolName } from './tools.ts';

interface ToolResult {
  runs: number[];
  median: number;
}

interface ScenarioResult {
  name: ScenarioName;
  title: string;
  context: { files: number; bytes: number };
  tools: Partial<Record<ToolName, ToolResult>>;
  ratios: { buildkit?: number; buildah?: number };
  berthPeakMB?: number;
  notes: string[];
}

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    'cold-runs': { type: 'string', default: '3' },
    scenario: { type: 'string', multiple: true },
    tool: { type: 'string', multiple: true },
    'no-write': { type: 'boolean', default: false },
  },
});
const RUNS = Number(flags.runs);
const COLD_RUNS = Number(flags['cold-runs']);
const LABEL: Record<ToolName, string> = { berth: 'berth', buildkit: 'BuildKit', buildah: 'buildah' };

const log = (msg: string): void => { process.stderr.write(`bench: ${msg}\n`); };
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    killCurrent();
  });
}

const REPO = path.resolve(import.meta.dirname, '..');

/** Rebuilds dist/ (the bundle bin/berth runs) and names the revision measured. */
function buildBerth(): string {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stderr}`);
  const git = (args: string[]): string => spawnSync('git', args, { cwd: REPO, encoding: 'utf8' }).stdout.trim();
  const rev = git(['rev-parse', '--short', 'HEAD']);
  return rev === '' ? 'unknown' : `${rev}${git(['status', '--porcelain', '--untracked-files=no', '--', 'src']) ? ' (src modified)' : ''}`;
}

async function createTools(dir: string, baseTar: string): Promise<Tool[]> {
  const wanted = new Set<string>(flags.tool ?? ['berth', 'buildkit', 'buildah']);
  const tools: Tool[] = [];
  const makers: Array<[ToolName, () => Promise<Tool>]> = [
    ['berth', () => Berth.create(dir, baseTar)],
    ['buildkit', () => BuildKit.create(dir, baseTar)],
    ['buildah', () => Buildah.create(dir, baseTar)],
  ];
  for (const [name, make] of makers) {
    if (!wanted.has(name)) continue;
    const started = Date.now();
    try {
      const tool = await make();
      tools.push(tool);
      log(`${LABEL[name]}: ${tool.version} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
      if (name === 'berth') throw e;
      log(`skipping ${LABEL[name]}: ${(e as Error).message}`);
    }
  }
  return tools;
}

/**
 * One timed build (after the reset of a cold scenario). A competitor's failed build is retried
 * twice and noted (docker 20.10's BuildKit now and then loses a file of its own snapshot under
 * load: "failed to copy file info ... no such file or directory"); berth's failures are fatal.
 */
async function timedBuild(s: Scenario, t: Tool, tag: string, notes: string[]): Promise<Measured> {
  for (let attempt = 1; ; attempt++) {
    if (s.cold) await t.reset(tag);
    // Untimed: what the previous builds (any tool's) left dirty is written back now, so no tool's
    // fsyncs or CPU pay for another's writeback (measured: 150 MB left dirty added 65 ms to a
    // berth rebuild).
    spawnSync('sync');
    try {
      return await measure(t.build(s.context, { tag, noCache: s.cold }), { trackMemory: t.name === 'berth' });
    } catch (e) {
      if (t.name === 'berth' || attempt === 3 || interrupted) throw e;
      const why = (e as Error).message.split('\n').filter((l) => /error|failed/i.test(l)).pop() ?? (e as Error).message.split('\n')[0];
      notes.push(`${LABEL[t.name]} failed once and was run again: ${why?.trim()}`);
      log(`${s.name}: ${LABEL[t.name]} failed (${why?.trim()}); running it again`);
    }
  }
}

async function runScenario(s: Scenario, tools: Tool[]): Promise<ScenarioResult> {
  const tag = `bench/${s.name}:latest`;
  const runs = s.cold ? COLD_RUNS : RUNS;
  const times = new Map<ToolName, number[]>(tools.map((t) => [t.name, []]));
  const ids = new Map<ToolName, Set<string>>(tools.map((t) => [t.name, new Set()]));
  const notes: string[] = [];
  let berthPeak = 0;
  if (!s.cold) {
    // The build the timed rebuilds start from (a no-op rebuild is the second build of the same context).
    for (const t of tools) ids.get(t.name)!.add((await measure(t.build(s.context, { tag, noCache: false }))).stdout.trim());
  }
  for (let i = 0; i < runs && !interrupted; i++) {
    s.edit?.(i);
    // Rotate who goes first, so no tool always meets a warmer (or busier) machine.
    const order = tools.map((_, k) => tools[(k + i) % tools.length]!);
    for (const t of order) {
      if (interrupted) break;
      const m = await timedBuild(s, t, tag, notes);
      times.get(t.name)!.push(m.seconds);
      ids.get(t.name)!.add(m.stdout.trim());
      if (m.peakRss !== undefined) berthPeak = Math.max(berthPeak, m.peakRss);
      log(`${s.name} #${i + 1} ${LABEL[t.name]}: ${m.seconds.toFixed(3)} s${m.peakRss !== undefined ? `, peak ${mb(m.peakRss)} MB` : ''}`);
    }
  }
  if (s.name === 'noop') {
    for (const t of tools) if (ids.get(t.name)!.size !== 1) notes.push(`${LABEL[t.name]}'s no-op rebuilds did not all give the same image ID`);
  }
  if (s.cold) for (const t of tools) await t.reset(tag);
  const result: ScenarioResult = { name: s.name, title: s.title, context: { files: s.files, bytes: s.bytes }, tools: {}, ratios: {}, notes };
  for (const [name, list] of times) if (list.length) result.tools[name] = { runs: list.map((x) => Math.round(x * 1000) / 1000), median: median(list) };
  const b = result.tools.berth?.median;
  for (const other of ['buildkit', 'buildah'] as const) {
    const o = result.tools[other]?.median;
    if (b !== undefined && o !== undefined) result.ratios[other] = b / o;
  }
  if (berthPeak > 0) result.berthPeakMB = mb(berthPeak);
  return result;
}

function table(results: ScenarioResult[]): string {
  const cell = (x: number | undefined, digits = 3): string => (x === undefined ? '—' : x.toFixed(digits));
  const rows = [
    ['scenario', 'berth s', 'BuildKit s', 'buildah s', 'berth/BuildKit', 'berth/buildah', 'berth peak MB'],
    ...results.map((r) => [
      r.title, cell(r.tools.berth?.median), cell(r.tools.buildkit?.median), cell(r.tools.buildah?.median),
      cell(r.ratios.buildkit, 2), cell(r.ratios.buildah, 2), cell(r.berthPeakMB, 1),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => `| ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) throw new Error('the bench needs Linux and root (overlay mounts, runc, a private dockerd)');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-bench-'));
  const tools: Tool[] = [];
  const load = [loadavg()[0]!];
  try {
    const revision = buildBerth();
    log(`berth bundle built from ${revision}`);
    const baseTar = makeBusyboxRootfs(path.join(dir, 'base'), {
      populate: (rootfs) => { for (const a of BASE_APPLETS) symlinkSync('busybox', path.join(rootfs, 'bin', a)); },
    });
    const started = Date.now();
    const wanted = new Set(flags.scenario ?? ['noop', 'source-change', 'large-copy', 'large-run']);
    const scenarios = makeScenarios(path.join(dir, 'contexts')).filter((s) => wanted.has(s.name));
    log(`contexts generated in ${((Date.now() - started) / 1000).toFixed(1)} s under ${dir}`);
    tools.push(...(await createTools(dir, baseTar)));
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      if (interrupted) break;
      log(`${s.title}: ${s.cold ? COLD_RUNS : RUNS} runs per tool`);
      results.push(await runScenario(s, tools));
    }
    load.push(loadavg()[0]!);
    if (interrupted) throw new Error('interrupted');
    const out = table(results);
    process.stdout.write(`${out}\n`);
    for (const r of results) for (const n of r.notes) process.stdout.write(`note (${r.name}): ${n}\n`);
    process.stdout.write(`${cpus().length} CPUs; 1-minute load average ${load[0]!.toFixed(1)} at the start, ${load[1]!.toFixed(1)} at the end\n`);
    const doc = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', memoryMB: Math.round(totalmem() / 1024 / 1024), kernel: release(), node: process.version, loadAverage1m: { start: load[0], end: load[1] } },
      revision,
      tools: Object.fromEntries(tools.map((t) => [t.name, t.version])),
      method: {
        runs: RUNS, coldRuns: COLD_RUNS, statistic: 'median wall time of the build command (spawn to exit)',
        memory: "peak resident memory of berth's process tree (its own VmHWM, descendants sampled every 50 ms)",
        cold: 'before each timed cold build: the image removed and the build cache cleared (berth: rmi + builder prune -af; docker: rmi + builder prune -af; buildah: rmi + rmi --prune), then built with --no-cache',
        sync: 'sync(1) before every timed build, untimed',
        network: 'every build runs with --network none',
      },
      results,
      table: out,
    };
    if (!flags['no-write']) {
      const resultsDir = path.join(import.meta.dirname, 'results');
      mkdirSync(resultsDir, { recursive: true });
      const json = JSON.stringify(doc, null, 2) + '\n';
      writeFileSync(path.join(resultsDir, `${doc.date.slice(0, 10)}.json`), json);
      writeFileSync(path.join(resultsDir, 'latest.json'), json);
      log(`results written to ${path.relative(process.cwd(), resultsDir)}/latest.json`);
    }
  } finally {
    for (const t of tools.reverse()) await t.close().catch((e: unknown) => log(`cleanup of ${t.name}: ${(e as Error).message}`));
    removeTree(dir);
  }
}

await main().catch((e: unknown) => {
  log((e as Error).message);
  process.exitCode = 1;
});
