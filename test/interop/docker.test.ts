// berth against a real docker engine (a private dockerd per file), skopeo and umoci: a layered image
// built by docker's legacy builder (whiteout, opaque dir, hardlinks, symlinks, setuid, owner, fifo,
// device node, xattrs) goes docker save → berth load with the same IDs, tags and history; berth
// save → docker load runs; skopeo reads berth's archive both ways; umoci's rootfs equals berth's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setAttributeSync } from '@napi-rs/xattr';
import { imageHistory, inspectImages } from '../../src/api/index.ts';
import { busyboxUnavailable, importBusyboxBase, useDockerd, which, type DockerEngine } from '../helpers/dockerd.ts';
import { diffTrees, flattenImage, snapshotTree, type TreeSnapshot } from '../helpers/flatten.ts';
import { validateStored } from '../helpers/validate-stored.ts';

const suite = useDockerd({ setup: buildImages });
const repo = fileURLToPath(new URL('../..', import.meta.url));
const main = path.join(repo, 'src/cli/main.ts');
const work = mkdtempSync(path.join(tmpdir(), 'berth-interop-'));
const root = path.join(work, 'store');
after(() => rmSync(work, { recursive: true, force: true }));

const BASE = 'berth-interop/busybox:base';
const LAYERED = 'berth-interop/layered:1';
const LAYERED_LATEST = 'berth-interop/layered:latest';
const NATIVE = 'berth-interop/native:1';
const LAYERED_OUTPUT = 'hello from the layered image\none\nchanged\n';

// security.capability, VFS_CAP_REVISION_2 with the effective flag: cap_net_raw permitted.
const CAPABILITY = Buffer.from('0100000200200000000000000000000000000000', 'hex');

// Legacy builder: every instruction is a history entry, metadata ones are empty layers.
const DOCKERFILE = `FROM ${BASE}
LABEL org.example.suite="interop" maintainer="berth tests"
ENV GREETING="hello from the layered image" PATH=/usr/local/bin:/bin
RUN ["/bin/busybox", "--install", "-s", "/bin"]
WORKDIR /srv/app
RUN mkdir -p data /opt/tree/sub /opt/replace/old-sub /opt/sticky \\
 && echo one > data/one.txt \\
 && echo doomed > /opt/tree/doomed && echo keep > /opt/tree/keep \\
 && echo stale > /opt/replace/old && echo deeper > /opt/replace/old-sub/f \\
 && echo shared > /opt/tree/original && ln /opt/tree/original /opt/tree/hardlink \\
 && ln -s ../keep /opt/tree/sub/rel-link && ln -s /opt/tree/keep /opt/abs-link \\
 && printf '#!/bin/sh\\necho suid\\n' > /opt/suid && chmod 4755 /opt/suid \\
 && chmod 2775 /opt/tree/sub && chmod 1777 /opt/sticky \\
 && echo owned > /opt/owned && chown 1234:5678 /opt/owned \\
 && mkfifo /opt/fifo && mknod /opt/null c 1 3
EXPOSE 8080/tcp 53/udp
RUN rm /opt/tree/doomed \\
 && rm -rf /opt/replace && mkdir /opt/replace && touch /opt/replace/new \\
 && ln /opt/tree/keep /opt/tree/keep-link \\
 && chmod 0750 /etc/caps \\
 && echo changed >> data/one.txt
CMD ["sh", "-c", "echo \\"$GREETING\\" && cat data/one.txt"]
`;

interface Run { status: number | null; stdout: string; stderr: string }

function berth(args: readonly string[], input?: string | Buffer): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, '--root', root, ...args], { cwd: repo, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function berthOk(args: readonly string[], input?: string | Buffer): string {
  const r = berth(args, input);
  assert.equal(r.status, 0, `berth ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

function tool(name: string, args: readonly string[]): string {
  const r = spawnSync(which(name)!, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `${name} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr || r.error?.message}`);
  return r.stdout;
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

interface Inspected { Id: string; RepoTags: string[]; RootFS: { Layers: string[] }; Descriptor?: { digest: string } }

async function berthInspect(name: string): Promise<Inspected> {
  const { objects, errors } = await inspectImages(root, [name]);
  if (errors[0]) throw errors[0];
  return objects[0] as Inspected;
}

function dockerInspect(engine: DockerEngine, name: string): Inspected {
  return (JSON.parse(engine.docker(['image', 'inspect', name])) as Inspected[])[0]!;
}

/** `history --format '{{json .}}'` rows: docker's with -H=false, berth's with --no-human. */
type HistoryJson = { ID: string; CreatedBy: string; CreatedSince: string; Size: string; Comment: string };

function dockerHistory(engine: DockerEngine, name: string): HistoryJson[] {
  return lines(engine.docker(['history', '--no-trunc', '-H=false', '--format', '{{json .}}', name])).map((l) => JSON.parse(l) as HistoryJson);
}

function berthHistory(name: string): HistoryJson[] {
  return lines(berthOk(['history', '--no-trunc', '--no-human', '--format', '{{json .}}', name])).map((l) => JSON.parse(l) as HistoryJson);
}

/** Set by the before hook: what the xattr part could do here. */
let xattrNote: string | undefined;
let baseTar = '';
let dockerSave = '';

/** Base rootfs extras: files with xattrs (a capability and a user. one), when this file system takes them. */
function populate(rootfs: string): void {
  mkdirSync(path.join(rootfs, 'etc'));
  writeFileSync(path.join(rootfs, 'etc', 'caps'), 'cap\n');
  writeFileSync(path.join(rootfs, 'etc', 'note'), 'note\n');
  try {
    setAttributeSync(path.join(rootfs, 'etc', 'caps'), 'security.capability', CAPABILITY);
    setAttributeSync(path.join(rootfs, 'etc', 'caps'), 'user.berth.note', 'dropped on copy-up');
    setAttributeSync(path.join(rootfs, 'etc', 'note'), 'user.berth.note', 'kept');
  } catch (e) {
    xattrNote = `xattrs could not be set under ${tmpdir()} (${(e as Error).message}); the xattr checks are skipped`;
  }
}

function buildImages(engine: DockerEngine): void {
  const noBusybox = busyboxUnavailable();
  if (noBusybox) throw new Error(noBusybox);
  const started = Date.now();
  baseTar = importBusyboxBase(engine, BASE, path.join(work, 'base'), { populate }).tarFile;
  const ctx = path.join(work, 'ctx');
  mkdirSync(ctx);
  writeFileSync(path.join(ctx, 'Dockerfile'), DOCKERFILE);
  engine.docker(['build', '-q', '-t', LAYERED, '-t', LAYERED_LATEST, ctx], undefined, { env: { DOCKER_BUILDKIT: '0' } });
  assert.equal(engine.docker(['run', '--rm', '--network', 'none', LAYERED]), LAYERED_OUTPUT);
  dockerSave = path.join(work, 'docker-save.tar');
  engine.docker(['save', '-o', dockerSave, LAYERED, LAYERED_LATEST, BASE]);
  console.log(`# images built and saved by docker in ${Date.now() - started} ms`);
}

/** berth load of docker's archive, once (later tests use what it loaded). */
let loaded: Run | undefined;
function loadDockerSave(): Run {
  loaded ??= berth(['load', '-i', dockerSave]);
  assert.equal(loaded.status, 0, `berth load -i ${dockerSave} failed:\n${loaded.stderr}`);
  return loaded;
}

/** berth save of the layered image to a file, once. */
let berthSave: string | undefined;
function saveLayered(): string {
  if (berthSave) return berthSave;
  loadDockerSave();
  const file = path.join(work, 'berth-save.tar');
  berthOk(['save', LAYERED, '-o', file]);
  return (berthSave = file);
}

function needTools(t: TestContext, ...names: string[]): boolean {
  const missing = names.filter((n) => !which(n));
  if (missing.length) t.skip(`${missing.join(' and ')} not installed (Debian packages ${missing.join(', ')}; scripts/setup.sh installs them)`);
  return missing.length === 0;
}

describe('docker interop (private dockerd)', () => {
  it('docker save → berth load: the same image IDs, layers and tags, and the same load report', async (t) => {
    const engine = suite.need(t);
    if (!engine) return;
    const r = loadDockerSave();
    // docker's own report for the same archive (it has these images already: a no-op but for the output).
    const dockerReport = engine.docker(['load', '-i', dockerSave]);
    assert.deepEqual(lines(r.stdout).sort(), lines(dockerReport).sort());
    for (const name of [LAYERED, LAYERED_LATEST, BASE]) {
      const d = dockerInspect(engine, name);
      const b = await berthInspect(name);
      assert.equal(b.Id, d.Id, `${name}: berth's ID is docker's`);
      assert.deepEqual([...b.RepoTags].sort(), [...d.RepoTags].sort(), `${name}: tags`);
      assert.deepEqual(b.RootFS.Layers, d.RootFS.Layers, `${name}: diff IDs`);
      await validateStored(root, b.Id);
    }
    const images = lines(berthOk(['images', '--format', '{{.Repository}}:{{.Tag}}'])).sort();
    assert.deepEqual(images, [BASE, LAYERED, LAYERED_LATEST].sort());
  });

  it('berth history shows what docker history shows (created by, comment, time, empty layers)', async (t) => {
    const engine = suite.need(t);
    if (!engine) return;
    loadDockerSave();
    const secs = (s: string | undefined): number => Math.floor(Date.parse(s ?? '') / 1000);
    for (const name of [LAYERED, BASE]) {
      const theirs = dockerHistory(engine, name);
      const api = await imageHistory(root, name);
      const cli = berthHistory(name);
      assert.equal(api.length, theirs.length, `${name}: history length`);
      assert.equal(cli.length, theirs.length, `${name}: history length (CLI)`);
      api.forEach((row, i) => {
        const want = theirs[i]!;
        const at = `${name} row ${i}`;
        assert.equal(row.id, i === 0 ? want.ID : '<missing>', `${at}: ID`);
        assert.equal(row.createdBy, want.CreatedBy, `${at}: created by`);
        assert.equal(row.comment, want.Comment, `${at}: comment`);
        assert.equal(secs(row.created), secs(want.CreatedSince), `${at}: created ${row.created} vs ${want.CreatedSince}`);
        if (row.emptyLayer) assert.deepEqual([cli[i]!.Size, want.Size], ['0', '0'], `${at}: an empty layer has size 0`);
        const c = cli[i]!;
        assert.deepEqual([c.ID, c.Comment, secs(c.CreatedSince)], [i === 0 ? want.ID : '<missing>', want.Comment, secs(want.CreatedSince)], `${at} (CLI)`);
        assert.equal(c.CreatedBy, want.CreatedBy, `${at}: created by (CLI)`);
      });
      if (name === LAYERED) {
        // The legacy builder's metadata instructions (not WORKDIR, which makes its directory) are empty layers.
        const empty = api.map((r) => r.emptyLayer);
        assert.deepEqual(empty, theirs.map((r) => /^\/bin\/sh -c #\(nop\) {2}(ENV|CMD|LABEL|EXPOSE) /.test(r.CreatedBy)));
        assert.equal(empty.filter(Boolean).length, 4);
      }
    }
  });

  it('berth history --no-trunc prints created_by verbatim, as docker does', (t) => {
    const engine = suite.need(t);
    if (!engine) return;
    loadDockerSave();
    assert.deepEqual(berthHistory(LAYERED).map((r) => r.CreatedBy), dockerHistory(engine, LAYERED).map((r) => r.CreatedBy));
  });

  it('berth save → docker load → docker run: the same ID, and the image runs its CMD', async (t) => {
    const engine = suite.need(t);
    if (!engine) return;
    const file = saveLayered();
    // Drop docker's copy first (and its parent chain), so the load really registers layers.
    engine.docker(['rmi', LAYERED, LAYERED_LATEST]);
    assert.notEqual(engine.run(['image', 'inspect', LAYERED]).status, 0);
    const report = engine.docker(['load', '-i', file]);
    assert.match(report, new RegExp(`Loaded image: ${LAYERED}\\n`));
    assert.equal(dockerInspect(engine, LAYERED).Id, (await berthInspect(LAYERED)).Id);
    assert.equal(engine.docker(['run', '--rm', '--network', 'none', LAYERED]), LAYERED_OUTPUT);

    // To stdout, then into docker load through a pipe.
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, '--root', root, 'save', LAYERED_LATEST], { cwd: repo, maxBuffer: 256 * 1024 * 1024 });
    assert.equal(r.status, 0, String(r.stderr));
    assert.match(engine.docker(['load'], r.stdout), new RegExp(`Loaded image: ${LAYERED_LATEST}\\n`));
    assert.equal(dockerInspect(engine, LAYERED_LATEST).Id, (await berthInspect(LAYERED)).Id);
  });

  it('an image berth made itself (berth import) loads and runs in docker', (t) => {
    const engine = suite.need(t);
    if (!engine) return;
    const id = berthOk(['import', baseTar, NATIVE, '--change', 'CMD ["echo", "made by berth"]', '--change', 'ENV WHO=berth']).trim();
    const file = path.join(work, 'native.tar');
    berthOk(['save', '-o', file, NATIVE]);
    assert.match(engine.docker(['load', '-i', file]), new RegExp(`Loaded image: ${NATIVE}\\n`));
    assert.equal(dockerInspect(engine, NATIVE).Id, id);
    assert.equal(engine.docker(['run', '--rm', '--network', 'none', NATIVE]), 'made by berth\n');
    assert.equal(engine.docker(['run', '--rm', '--network', 'none', NATIVE, 'sh', '-c', 'echo $WHO; cat /etc/note']), 'berth\nnote\n');
  });

  it('skopeo reads berth save output as docker-archive and as oci-archive, with berth\'s digests', async (t) => {
    if (!suite.need(t) || !needTools(t, 'skopeo')) return;
    const file = saveLayered();
    const ours = await berthInspect(LAYERED);
    type SkopeoInspect = { Digest: string; Layers: string[]; Labels: Record<string, string> | null };
    type RawManifest = { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const transport of ['docker-archive', 'oci-archive']) {
      const ref = `${transport}:${file}`;
      const info = JSON.parse(tool('skopeo', ['inspect', ref])) as SkopeoInspect;
      const raw = JSON.parse(tool('skopeo', ['inspect', '--raw', ref])) as RawManifest;
      const config = JSON.parse(tool('skopeo', ['inspect', '--config', ref])) as { rootfs: { diff_ids: string[] } };
      assert.equal(raw.config.digest, ours.Id, `${transport}: the config digest is berth's image ID`);
      assert.deepEqual(config.rootfs.diff_ids, ours.RootFS.Layers, `${transport}: diff IDs`);
      assert.deepEqual(info.Layers, raw.layers.map((l) => l.digest), `${transport}: layer digests`);
      assert.equal(info.Labels?.['org.example.suite'], 'interop');
      if (transport === 'docker-archive') {
        // docker-archive layers are the uncompressed layer tars: their digests are the diff IDs.
        assert.deepEqual(info.Layers, ours.RootFS.Layers, 'docker-archive: layer digests are the diff IDs');
      } else {
        // The OCI view is berth's own manifest.
        assert.equal(info.Digest, ours.Descriptor?.digest, 'oci-archive: the manifest digest is berth\'s');
      }
    }
  });

  it('umoci unpack and berth\'s flattened layers give the same root filesystem', async (t) => {
    if (!suite.need(t) || !needTools(t, 'skopeo', 'umoci')) return;
    loadDockerSave();
    const dir = path.join(work, 'umoci');
    mkdirSync(dir);
    const unpack = (source: string, name: string): TreeSnapshot => {
      tool('skopeo', ['copy', '-q', source, `oci:${path.join(dir, name)}:img`]);
      tool('umoci', ['unpack', '--image', `${path.join(dir, name)}:img`, path.join(dir, `${name}-bundle`)]);
      return snapshotTree(path.join(dir, `${name}-bundle`, 'rootfs'));
    };
    const umoci = unpack(`docker-archive:${dockerSave}:${LAYERED}`, 'docker');
    const flat = path.join(dir, 'berth-rootfs');
    mkdirSync(flat);
    const warnings = await flattenImage(root, LAYERED, flat);
    assert.deepEqual(warnings, []);
    const ours = snapshotTree(flat);
    assert.deepEqual(diffTrees(ours, umoci, ['berth', 'umoci']), []);

    // Not vacuous: what the Dockerfile did is there.
    const node = (p: string) => ours.nodes.get(p);
    assert.equal(node('opt/tree/doomed'), undefined, 'whiteout applied');
    assert.deepEqual([...ours.nodes.keys()].filter((p) => p.startsWith('opt/replace/')), ['opt/replace/new'], 'opaque directory applied');
    assert.equal(node('opt/suid')?.mode, '4755');
    assert.equal(node('opt/tree/sub')?.mode, '2775');
    assert.equal(node('opt/sticky')?.mode, '1777');
    assert.deepEqual([node('opt/owned')?.uid, node('opt/owned')?.gid], [1234, 5678]);
    assert.equal(node('opt/abs-link')?.target, '/opt/tree/keep');
    assert.equal(node('opt/fifo')?.type, 'fifo');
    assert.equal(node('opt/null')?.type, 'char');
    for (const group of [['opt/tree/hardlink', 'opt/tree/original'], ['opt/tree/keep', 'opt/tree/keep-link']]) {
      assert.ok(ours.hardlinks.some((g) => JSON.stringify(g) === JSON.stringify(group)), `hardlink group ${group.join(' ')}`);
    }
    if (xattrNote) {
      t.diagnostic(xattrNote);
    } else {
      assert.deepEqual(node('etc/note')?.xattrs, { 'user.berth.note': Buffer.from('kept').toString('hex') });
      // The RUN's chmod copied /etc/caps up; docker's layer diff keeps only security.capability.
      assert.deepEqual(node('etc/caps')?.xattrs, { 'security.capability': CAPABILITY.toString('hex') });
      assert.equal(node('etc/caps')?.mode, '0750');
    }

    // berth's own archive, through skopeo's oci-archive reader, unpacks to the same tree.
    const fromBerth = unpack(`oci-archive:${saveLayered()}`, 'berth');
    assert.deepEqual(diffTrees(ours, fromBerth, ['berth', 'umoci of berth save']), []);
  });
});
