// Differential build suite: every Dockerfile in build-diff-cases.ts is built by docker's BuildKit (a
// private dockerd, `--network none`) and by berth, over the same busybox base (one image ID in both),
// and the results must agree: the config's `config` object and top-level fields, the history
// (created_by, comment, empty_layer, row by row) and the final filesystem (docker save → layers
// applied in order, against berth's layers applied the same way: paths, types, modes, owners,
// contents, link targets, xattrs, hardlink groups; file mtimes where a case says COPY/ADD keep them).
// berth follows the current BuildKit; where the docker here (20.10, BuildKit v0.8) wrote something
// else, a case's `current` entries say what, exactly, and which BuildKit change made the difference.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildImage, inspectImages, isBerthError, loadImages } from '../../src/api/index.ts';
import { extractLayer } from '../../src/layer/index.ts';
import { Store } from '../../src/store/index.ts';
import { BUSYBOX, busyboxUnavailable, importBusyboxBase, useDockerd, which, type DockerEngine } from '../helpers/dockerd.ts';
import { diffTrees, flattenImage, snapshotTree, type TreeSnapshot } from '../helpers/flatten.ts';
import { BASE, basePopulate, CASES as CORE_CASES, writeContext, type Case } from './build-diff-cases.ts';
import { MOUNT_CASES } from './build-diff-mount-cases.ts';

const CASES = [...CORE_CASES, ...MOUNT_CASES];

const work = mkdtempSync(path.join(tmpdir(), 'berth-build-diff-'));
const root = path.join(work, 'store');
after(() => rmSync(work, { recursive: true, force: true }));

/** The docker CLI that can drive BuildKit: one with buildx, or a client before 23 (BuildKit built in). */
let dockerCli = '';

function pickDockerCli(engine: DockerEngine): string {
  const candidates = [...new Set([which('docker'), '/usr/bin/docker', '/usr/local/bin/docker'].filter((c): c is string => c !== undefined))];
  for (const cli of candidates) {
    const env = engine.env();
    if (spawnSync(cli, ['buildx', 'version'], { env, encoding: 'utf8' }).status === 0) return cli;
    const v = spawnSync(cli, ['version', '--format', '{{.Client.Version}}'], { env, encoding: 'utf8' }).stdout.trim();
    const major = Number(/^(\d+)\./.exec(v)?.[1] ?? NaN);
    if (major >= 18 && major < 23) return cli;
  }
  throw new Error(`no docker CLI here can build with BuildKit (tried ${candidates.join(', ')}: no buildx plugin and a client of 23 or later)`);
}

const suite = useDockerd({
  setup: async (engine) => {
    const noBusybox = busyboxUnavailable();
    if (noBusybox) throw new Error(noBusybox);
    dockerCli = pickDockerCli(engine);
    const started = Date.now();
    const { id } = importBusyboxBase(engine, BASE, path.join(work, 'base'), { populate: basePopulate(BUSYBOX) });
    const tar = path.join(work, 'base.tar');
    engine.docker(['save', '-o', tar, BASE]);
    const loaded = await loadImages(root, createReadStream(tar));
    assert.deepEqual(loaded.map((l) => l.id), [id], 'berth loaded the base with docker\'s image ID');
    console.log(`# busybox base ${id.slice(7, 19)} in both (docker CLI ${dockerCli}) in ${Date.now() - started} ms`);
  },
});

interface Proc { status: number | null; stdout: string; stderr: string }

function exec(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Proc> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, maxBuffer: 256 * 1024 * 1024, timeout: 180_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ status, stdout, stderr: stderr || (err && status === -1 ? err.message : '') });
    });
  });
}

async function docker(engine: DockerEngine, args: readonly string[]): Promise<string> {
  const r = await exec(dockerCli, args, engine.env({ DOCKER_BUILDKIT: '1' }));
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr.trim()}`);
  return r.stdout;
}

interface BuildSpec { ctx: string; dockerfile: string; tag: string; buildArgs?: Record<string, string> | undefined; target?: string | undefined; secrets?: string[] | undefined }

type ImageConfig = Record<string, unknown> & { config?: Record<string, unknown>; history?: HistoryEntry[]; rootfs?: { diff_ids?: string[] } };
interface HistoryEntry { created_by?: string; comment?: string; empty_layer?: boolean }
interface Built { config: ImageConfig; rootfs: string }

async function dockerBuild(engine: DockerEngine, b: BuildSpec): Promise<void> {
  const args = ['build', '--network', 'none', '-q', '-f', b.dockerfile, '-t', b.tag];
  for (const [k, v] of Object.entries(b.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  if (b.target) args.push('--target', b.target);
  for (const s of b.secrets ?? []) args.push('--secret', s);
  // docker 20.10's BuildKit sometimes loses a stage's rootfs when several builds run at once
  // ("stat /bin/sh: no such file or directory" on a trivial RUN): that is the peer's flake, not
  // something berth did, so its build is tried again before the case fails.
  for (let attempt = 1; ; attempt++) {
    try {
      await docker(engine, [...args, b.ctx]);
      return;
    } catch (e) {
      if (attempt >= 3 || !/no such file or directory/.test(String(e))) throw e;
    }
  }
}

/** docker save of `tag`, its config as stored, and its layers applied in order under `dir`/rootfs. */
async function dockerImage(engine: DockerEngine, tag: string, dir: string): Promise<Built> {
  const tar = path.join(dir, 'save.tar');
  const unpacked = path.join(dir, 'save');
  const rootfs = path.join(dir, 'rootfs');
  mkdirSync(unpacked, { recursive: true });
  mkdirSync(rootfs);
  await docker(engine, ['save', '-o', tar, tag]);
  const r = spawnSync('tar', ['-xf', tar, '-C', unpacked], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xf ${tar}: ${r.stderr}`);
  const manifest = (JSON.parse(readFileSync(path.join(unpacked, 'manifest.json'), 'utf8')) as Array<{ Config: string; Layers: string[] }>)[0]!;
  for (const layer of manifest.Layers) {
    const { warnings } = await extractLayer(createReadStream(path.join(unpacked, layer)), rootfs, { mode: 'apply' });
    if (warnings.length) throw new Error(`applying docker's layer ${layer}: ${warnings.join('; ')}`);
  }
  return { config: JSON.parse(readFileSync(path.join(unpacked, manifest.Config), 'utf8')) as ImageConfig, rootfs };
}

async function berthBuild(b: BuildSpec): Promise<void> {
  try {
    await buildImage(root, {
      contextDir: b.ctx, dockerfile: b.dockerfile, tags: [b.tag], network: 'none',
      ...(b.buildArgs ? { buildArgs: b.buildArgs } : {}), ...(b.target ? { target: b.target } : {}), ...(b.secrets ? { secrets: b.secrets } : {}),
    });
  } catch (e) {
    const hint = isBerthError(e) && e.hint ? `\n${e.hint}` : '';
    throw new Error(`berth build failed: ${(e as Error).message}${hint}`, { cause: e });
  }
}

async function berthImage(tag: string, dir: string): Promise<Built> {
  const { objects, errors } = await inspectImages(root, [tag]);
  if (errors[0]) throw errors[0];
  const id = (objects[0] as { Id: string }).Id;
  const store = await Store.open(root);
  const config = JSON.parse((await store.blobs.read(id)).toString('utf8')) as ImageConfig;
  const rootfs = path.join(dir, 'rootfs');
  mkdirSync(rootfs, { recursive: true });
  const warnings = await flattenImage(root, tag, rootfs);
  if (warnings.length) throw new Error(`applying berth's layers: ${warnings.join('; ')}`);
  return { config, rootfs };
}

const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v));

/** The fields of BuildKit's image config (dockerspec.DockerOCIImageConfig); Go drops zero values (omitempty). */
const CONFIG_FIELDS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'OnBuild', 'StopTimeout', 'Shell'];
const zero = (v: unknown): unknown => (v === null || v === '' || v === false || v === 0 ? undefined : v);

/**
 * Differences between docker's and berth's configs: every key of `config` (a zero value and absent
 * are the same, as Go's omitempty writes them; map keys in order), the top-level keys but `created`
 * (author, os, architecture...), the layer count, and the history row by row.
 */
export function configDiffs(d: ImageConfig, b: ImageConfig): string[] {
  const out: string[] = [];
  const dc = d.config ?? {};
  const bc = b.config ?? {};
  for (const k of [...new Set([...CONFIG_FIELDS, ...Object.keys(dc), ...Object.keys(bc)])]) {
    const x = zero(dc[k]);
    const y = zero(bc[k]);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`config.${k}: docker=${show(x)} berth=${show(y)}`);
  }
  for (const k of [...new Set([...Object.keys(d), ...Object.keys(b)])].filter((k) => !['created', 'config', 'history', 'rootfs'].includes(k))) {
    if (JSON.stringify(d[k]) !== JSON.stringify(b[k])) out.push(`${k}: docker=${show(d[k])} berth=${show(b[k])}`);
  }
  const dl = d.rootfs?.diff_ids?.length ?? 0;
  const bl = b.rootfs?.diff_ids?.length ?? 0;
  if (dl !== bl) out.push(`layers: docker has ${dl}, berth ${bl}`);
  const row = (h: HistoryEntry | undefined): string => (h ? `${h.empty_layer ? 'empty' : 'layer'} ${show(h.created_by)} comment=${show(h.comment)}` : 'none');
  const dh = d.history ?? [];
  const bh = b.history ?? [];
  for (let i = 0; i < Math.max(dh.length, bh.length); i++) {
    const x = row(dh[i]);
    const y = row(bh[i]);
    if (x !== y) out.push(`history[${i}]: docker=${x} berth=${y}`);
  }
  return out;
}

/** Rewrites docker 20.10's result where current BuildKit differs (the case's `current` entries), after checking docker gave exactly what each says. */
function toCurrentBuildkit(entries: NonNullable<Case['current']>, d: Built, tree?: TreeSnapshot): string[] {
  const problems: string[] = [];
  for (const e of entries) {
    if (typeof e.at === 'number') {
      const h = d.config.history?.[e.at];
      if (h?.created_by !== e.was) problems.push(`reference changed: docker history[${e.at}] is ${show(h?.created_by)}, the case expects ${show(e.was)} (${e.why})`);
      else h.created_by = e.now;
    } else if (!tree) {
      problems.push(`${e.at}: not a history row`);
    } else if (e.at.endsWith(':text')) {
      // A file's text: docker's must be `was`; its content is compared as if it were `now`.
      const p = e.at.slice(3, -5);
      const node = tree.nodes.get(p);
      const was = node?.type === 'file' ? readFileSync(path.join(d.rootfs, p), 'utf8') : undefined;
      if (was !== e.was) problems.push(`reference changed: docker ${p} holds ${show(was)}, the case expects ${show(e.was)} (${e.why})`);
      else node!.content = `${Buffer.byteLength(e.now)}:${createHash('sha256').update(e.now).digest('hex')}`;
    } else {
      const [, p, field] = /^fs:(.*):(\w+)$/.exec(e.at) ?? [];
      const node = tree.nodes.get(p ?? '') as unknown as Record<string, unknown> | undefined;
      if (!node || String(node[field!]) !== e.was) problems.push(`reference changed: docker ${e.at} is ${show(node?.[field!])}, the case expects ${show(e.was)} (${e.why})`);
      else node[field!] = e.now;
    }
  }
  return problems;
}

/** The empty mount points runc makes for RUN (dev, proc, sys) stay in docker's image; berth's runtime removes them. Not compared. */
const MOUNT_STUBS = ['dev', 'proc', 'sys'];

/**
 * docker 20.10's BuildKit now and then also leaves the empty /etc/hosts and /etc/resolv.conf it
 * bind-mounted for RUN in the layer (a leak of that old version); berth never writes them. An
 * empty one that only docker has is that stub, not an image difference.
 */
const ETC_STUBS = ['etc/hosts', 'etc/resolv.conf', 'etc/hostname'];

function dropMountStubs(docker: TreeSnapshot, berth: TreeSnapshot): void {
  for (const p of MOUNT_STUBS) {
    const empty = ![...docker.nodes.keys()].some((q) => q.startsWith(p + '/'));
    if (docker.nodes.get(p)?.type === 'dir' && empty && !berth.nodes.has(p)) docker.nodes.delete(p);
  }
  for (const p of ETC_STUBS) {
    const n = docker.nodes.get(p);
    if (n?.type === 'file' && n.content?.startsWith('0:') && !berth.nodes.has(p)) docker.nodes.delete(p);
  }
}

/** Removes the RUN --mount stubs a case names from docker's tree, after checking each is one (see Case.mountStubs). */
function dropRunMountStubs(stubs: readonly string[], docker: TreeSnapshot, berth: TreeSnapshot): string[] {
  const problems: string[] = [];
  for (const p of stubs) {
    const n = docker.nodes.get(p);
    // docker 20.10 leaves a file stub only now and then (as with ETC_STUBS): absent from both is fine.
    if (n === undefined && !berth.nodes.has(p)) continue;
    const empty = n?.type === 'dir' ? ![...docker.nodes.keys()].some((q) => q.startsWith(p + '/') && !stubs.includes(q)) : n?.type === 'file' && n.content?.startsWith('0:');
    if (!empty || berth.nodes.has(p)) problems.push(`reference changed: ${p} is not an empty mount stub only docker has (docker: ${n?.type ?? 'absent'}, berth: ${berth.nodes.has(p) ? 'present' : 'absent'})`);
    else docker.nodes.delete(p);
  }
  return problems;
}

/** Drops mtimes except of non-directories at or under the given prefixes. */
function keepMtimes(tree: TreeSnapshot, prefixes: readonly string[]): TreeSnapshot {
  const nodes = new Map([...tree.nodes].map(([p, n]) => {
    if (prefixes.some((q) => p === q || p.startsWith(q + '/'))) return [p, n];
    const { mtime: _mtime, ...rest } = n;
    return [p, rest];
  }));
  return { nodes, hardlinks: tree.hardlinks };
}

async function runCase(engine: DockerEngine, c: Case): Promise<string[]> {
  const dir = path.join(work, 'cases', c.name);
  const ctx = path.join(dir, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeContext(ctx, c.files ?? {});
  c.prepare?.(ctx);
  const df = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const diffs: string[] = [];
  if (c.parent) {
    const spec = { ctx, dockerfile: df('Dockerfile.parent', c.parent.dockerfile), tag: c.parent.tag };
    await Promise.all([dockerBuild(engine, spec), berthBuild(spec)]);
    const [d, b] = await Promise.all([dockerImage(engine, c.parent.tag, path.join(dir, 'docker-parent')), berthImage(c.parent.tag, path.join(dir, 'berth-parent'))]);
    const parentEntries = (c.current ?? []).filter((e) => typeof e.at === 'string' && e.at.startsWith('parent:')).map((e) => ({ ...e, at: Number(String(e.at).slice(7)) }));
    diffs.push(...[...toCurrentBuildkit(parentEntries, d), ...configDiffs(d.config, b.config)].map((s) => `parent ${s}`));
  }
  const tag = `berth-diff/${c.name}:1`;
  const secrets = Object.entries(c.secrets ?? {}).map(([id, value]) => `id=${id},src=${df(`secret-${id}`, value)}`);
  const spec: BuildSpec = { ctx, dockerfile: df('Dockerfile', c.dockerfile), tag, buildArgs: c.buildArgs, target: c.target, ...(secrets.length ? { secrets } : {}) };
  const dockerSpec = c.dockerDockerfile ? { ...spec, dockerfile: df('Dockerfile.docker', c.dockerDockerfile) } : spec;
  const [d, b] = await Promise.all([
    dockerBuild(engine, dockerSpec).then(() => dockerImage(engine, tag, path.join(dir, 'docker'))),
    berthBuild(spec).then(() => berthImage(tag, path.join(dir, 'berth'))),
  ]);
  c.expect?.({ read: (p) => readFileSync(path.join(d.rootfs, p), 'utf8'), config: d.config });
  const dt = keepMtimes(snapshotTree(d.rootfs), c.mtimes ?? []);
  const bt = keepMtimes(snapshotTree(b.rootfs), c.mtimes ?? []);
  dropMountStubs(dt, bt);
  diffs.push(...dropRunMountStubs(c.mountStubs ?? [], dt, bt));
  diffs.push(...toCurrentBuildkit((c.current ?? []).filter((e) => !String(e.at).startsWith('parent:')), d, dt));
  diffs.push(...configDiffs(d.config, b.config));
  // A small text file that differs is shown, both sides.
  const text = (root: string, p: string): string => {
    const buf = readFileSync(path.join(root, p));
    return buf.length <= 300 ? JSON.stringify(buf.toString('utf8')) : `(${buf.length} bytes)`;
  };
  diffs.push(...diffTrees(dt, bt, ['docker', 'berth']).map((s) => {
    const p = / content docker=/.test(s) ? s.slice(0, s.indexOf(': content')) : undefined;
    return p === undefined ? `fs ${s}` : `fs ${p}: content docker=${text(d.rootfs, p)} berth=${text(b.rootfs, p)}`;
  }));
  rmSync(dir, { recursive: true, force: true });
  return diffs;
}

describe('berth build against docker BuildKit (private dockerd)', { concurrency: 3 }, () => {
  it(`has at least 30 cases`, () => assert.ok(CASES.length >= 30, `${CASES.length} cases`));
  // BERTH_BUILD_DIFF=<regexp> runs only the cases whose name matches (while working on one).
  const only = process.env.BERTH_BUILD_DIFF ? new RegExp(process.env.BERTH_BUILD_DIFF) : undefined;
  for (const c of CASES.filter((x) => !only || only.test(x.name))) {
    it(c.name, c.todo ? { todo: c.todo } : {}, async (t) => {
      const engine = suite.need(t);
      if (!engine) return;
      const diffs = await runCase(engine, c);
      assert.deepEqual(diffs, [], `${c.name}: berth differs from docker BuildKit:\n  ${diffs.join('\n  ')}`);
    });
  }
});
