// Registry interop both ways, through a real Distribution 2.8 on loopback (plain HTTP, which docker
// allows for 127.0.0.0/8): an image berth built and pushed is pulled and run by a private docker
// engine and copied by skopeo; images pushed by docker and by skopeo are pulled by berth and used
// as a build's FROM. Every tool reports the same manifest digest.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berth, build, describeBuild, importBusybox } from '../build/e2e-helpers.ts';
import { busyboxUnavailable, importBusyboxBase, useDockerd, which } from '../helpers/dockerd.ts';
import { registryUnavailable, useRegistry } from '../helpers/registry-server.ts';

const skip = registryUnavailable() ?? busyboxUnavailable() ?? (which('skopeo') ? undefined : 'skopeo is not installed');
const work = mkdtempSync(path.join(tmpdir(), 'berth-reg-interop-'));
after(() => rmSync(work, { recursive: true, force: true }));

function skopeo(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('skopeo', args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`skopeo ${args.join(' ')} failed: ${stderr || err.message}`)); else resolve(stdout);
    });
  });
}

async function berthOk(root: string, args: readonly string[]): Promise<string> {
  const r = await berth(root, args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${describeBuild(r)}`);
  return r.stdout;
}

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('registry interop with docker and skopeo', { skip }, () => {
  const suite = useDockerd();
  const reg = useRegistry('open');
  const root = path.join(work, 'store');
  let host = '';

  before(async () => {
    host = reg.server.host;
    await importBusybox(root, work, 'interop/busybox:base');
  });

  it('berth builds and pushes; docker pulls and runs it, skopeo copies it; all see one digest', async (t) => {
    const engine = suite.need(t);
    if (!engine) return;
    const ctx = path.join(work, 'ctx-berth');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM interop/busybox:base\nRUN echo "built by berth" > /greeting\nENV WHO=berth\nCMD ["sh", "-c", "cat /greeting; echo $WHO"]\n');
    const ref = `${host}/interop/berth-built:1`;
    const b = await build(root, ['-t', ref, ctx]);
    assert.equal(b.code, 0, describeBuild(b));
    const pushed = await berthOk(root, ['push', ref]);
    const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed)?.[1];
    assert.ok(digest, pushed);

    engine.docker(['pull', ref]);
    const [inspected] = JSON.parse(engine.docker(['image', 'inspect', ref])) as Array<{ RepoDigests: string[]; Id: string }>;
    assert.deepEqual(inspected!.RepoDigests, [`${host}/interop/berth-built@${digest}`]);
    const berthId = (await berthOk(root, ['inspect', '--format', '{{.Id}}', ref])).trim();
    assert.equal(inspected!.Id, berthId, 'docker computes the same image ID from the config');
    assert.equal(engine.docker(['run', '--rm', '--network', 'none', ref]), 'built by berth\nberth\n');

    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
    assert.equal(sha256(raw), digest);
    const layout = path.join(work, 'skopeo-oci');
    await skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:copied`]);
    const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]!.digest, digest, 'skopeo verified every blob and kept the manifest byte for byte');
  });

  it('docker pushes; berth pulls it with the same digest and builds FROM it', async (t) => {
    const engine = suite.need(t);
    if (!engine) return;
    const ref = `${host}/interop/docker-pushed:1`;
    importBusyboxBase(engine, ref, path.join(work, 'docker-base'), { populate: (rootfs) => writeFileSync(path.join(rootfs, 'from-docker'), 'docker was here\n') });
    const out = engine.docker(['push', ref]);
    const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(out)?.[1];
    assert.ok(digest, out);

    const fresh = path.join(work, 'store-from-docker');
    const pulled = await berthOk(fresh, ['pull', ref]);
    assert.match(pulled, new RegExp(`^Digest: ${digest}$`, 'm'));
    const [dockerImg] = JSON.parse(engine.docker(['image', 'inspect', ref])) as Array<{ Id: string }>;
    assert.equal((await berthOk(fresh, ['inspect', '--format', '{{.Id}}', ref])).trim(), dockerImg!.Id);

    // A new store: FROM pulls the base itself.
    const ctx = path.join(work, 'ctx-from-docker');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${ref}\nRUN cat /from-docker > /seen\n`);
    const storeForBuild = path.join(work, 'store-build-from-docker');
    const b = await build(storeForBuild, ['-t', 'interop/on-docker:1', ctx]);
    assert.equal(b.code, 0, describeBuild(b));
    const run = await berth(storeForBuild, ['run', '--rm', '--network', 'none', 'interop/on-docker:1', 'cat', '/seen']);
    assert.equal(run.stdout, 'docker was here\n', describeBuild(run));
  });

  it('skopeo pushes an OCI layout; berth pulls it by tag and by digest with the digest skopeo reports', async () => {
    const layout = path.join(work, 'skopeo-src');
    const archive = path.join(work, 'bb.tar');
    await berthOk(root, ['save', '-o', archive, 'interop/busybox:base']);
    await skopeo(['copy', `docker-archive:${archive}`, `oci:${layout}:v1`]);
    const ref = `${host}/interop/skopeo-pushed:v1`;
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${ref}`]);
    const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${ref}`])) as { Digest: string };
    const fresh = path.join(work, 'store-from-skopeo');
    assert.match(await berthOk(fresh, ['pull', ref]), new RegExp(`^Digest: ${inspected.Digest}$`, 'm'));
    assert.equal(await berthOk(path.join(work, 'store-skopeo-digest'), ['pull', '-q', `${host}/interop/skopeo-pushed@${inspected.Digest}`]), `${host}/interop/skopeo-pushed@${inspected.Digest}\n`);
    assert.deepEqual(await reg.server.consistencyProblems(), []);
  });
});
