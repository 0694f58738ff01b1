// `berth build` end to end through the real CLI on a store in a temp dir (issue 4's "done when"):
// the Flask image on Debian with apt reaching the mirror from inside RUN, history and caching of it,
// a failing step; isolation asserted from inside RUN; cache semantics and `builder prune`; SIGINT
// and SIGKILL during a RUN leaving nothing behind; multi-stage concurrency, --target and COPY --from.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flattenImage } from '../helpers/flatten.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import {
  berth, build, describeBuild, entries, parsePlain, importBusybox, layerBlobs, mountsBelow, processesMentioning, REPO, runcContainers, startBerth, step, waitFor,
  type Built,
} from './e2e-helpers.ts';

const BUSYBOX = 'e2e/busybox:1';
const MIRROR = process.env.BERTH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/** Why the Debian tests cannot run (Debian's mirror out of reach), or undefined. */
async function mirrorProblem(): Promise<string | undefined> {
  const url = `${MIRROR}/dists/bookworm/InRelease`;
  try {
    const r = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    return r.ok ? undefined : `Debian's mirror answered HTTP ${r.status} for ${url}`;
  } catch (e) {
    return `Debian's mirror is unreachable from this machine (${url}: ${(e as Error).message}${(e as { cause?: Error }).cause ? `: ${(e as { cause: Error }).cause.message}` : ''})`;
  }
}

const skipRunc = runcUnavailable();
const skipDebian = skipRunc ?? (await mirrorProblem());

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function assertOk(b: Built): void {
  assert.equal(b.code, 0, `the build failed: ${describeBuild(b)}`);
  assert.match(b.id ?? '', /^sha256:[0-9a-f]{64}$/, `no image ID in the output: ${describeBuild(b)}`);
}

function assertAllCached(b: Built): void {
  assert.ok(b.steps.length > 0, `no steps in the output: ${describeBuild(b)}`);
  const ran = b.steps.filter((s) => !s.cached).map((s) => s.text);
  assert.deepEqual(ran, [], `steps that ran instead of coming from the cache:\n${b.stderr}`);
}

function assertNoneCached(b: Built): void {
  // A FROM of a stored image is CACHED, as BuildKit shows a base it already has.
  const cached = b.steps.filter((s) => s.cached && !s.text.startsWith('FROM ')).map((s) => s.text);
  assert.deepEqual(cached, [], `steps that came from the cache:\n${b.stderr}`);
}

async function imageId(root: string, ref: string): Promise<string | undefined> {
  const r = await berth(root, ['inspect', '--format', '{{.Id}}', ref]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Names in a layer tar, without a leading "./". */
function tarNames(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, ''));
}

describe('berth build end to end (real CLI, runc, overlayfs)', { skip: skipRunc }, () => {
  let work: string;
  let root: string;

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'berth-build-e2e-'));
    root = path.join(work, 'store');
    await importBusybox(root, work, BUSYBOX);
  });

  after(async () => {
    const containers = runcContainers(root);
    for (const id of containers) spawnSync('runc', ['--root', path.join(root, 'runc'), 'delete', '-f', id]);
    const mounts = mountsBelow(work);
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
    const processes = processesMentioning(work);
    await rm(work, { recursive: true, force: true });
    assert.deepEqual(containers, [], 'containers were left behind');
    assert.deepEqual(mounts, [], 'mounts were left behind');
    assert.deepEqual(processes, [], 'processes were left behind');
  });

  /** A build context under the work dir with these files. */
  async function context(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(work, name);
    await mkdir(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) await writeFile(path.join(dir, f), text);
    return dir;
  }

  describe('Flask on Debian (examples/flask)', { skip: skipDebian }, () => {
    let ctx: string;
    let firstId: string;
    let editedId: string;

    before(async () => {
      if (!existsSync(path.join(REPO, 'dist', 'berth.js'))) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
      const started = Date.now();
      const r = spawnSync('bash', ['scripts/debian-base.sh', root], { cwd: REPO, encoding: 'utf8', timeout: 10 * 60_000 });
      assert.equal(r.status, 0, `scripts/debian-base.sh failed:\n${r.stdout}\n${r.stderr}`);
      process.stderr.write(`# debian:bookworm base ready in ${seconds(Date.now() - started)}\n`);
      ctx = path.join(work, 'flask');
      await cp(path.join(REPO, 'examples', 'flask'), ctx, { recursive: true });
    });

    it('builds, apt-get reaching Debian\'s mirror from inside RUN (default network)', async (t) => {
      const b = await build(root, ['-t', 'e2e/flask:1', ctx]);
      assertOk(b);
      firstId = b.id!;
      t.diagnostic(`cold build: ${seconds(b.ms)}`);
      const update = step(b, 'RUN apt-get update');
      assert.ok(update.output.some((l) => /^(Get|Hit):\d+ http:\/\/\S+ bookworm\S* InRelease/.test(l)), `apt-get update fetched nothing:\n${update.output.join('\n')}`);
      const install = step(b, 'RUN apt-get install -y python3-flask');
      assert.ok(install.output.some((l) => /Setting up python3-flask/.test(l)), `python3-flask was not installed:\n${install.output.slice(-20).join('\n')}`);
      assert.equal(await imageId(root, 'e2e/flask:1'), firstId);
    });

    it('history lists every layer with its size; the apt-get install layer is many MB', async () => {
      const r = await berth(root, ['history', '--no-trunc', '--no-human', '--format', '{{.CreatedBy}}\t{{.Size}}', 'e2e/flask:1']);
      assert.equal(r.code, 0, describeBuild(r));
      const rows = r.stdout.trim().split('\n').map((l) => { const [by, size] = l.split('\t'); return { by: by!, size: Number(size) }; });
      // Newest first: the five steps, then the base's one layer (the wording is the differential tests' business).
      assert.deepEqual(rows.map((x) => x.by.split(' ')[0]), ['ENTRYPOINT', 'ENV', 'COPY', 'RUN', 'RUN', ''], r.stdout);
      assert.match(rows[3]!.by, /apt-get install -y python3-flask/);
      assert.match(rows[4]!.by, /apt-get update/);
      const sized = rows.filter((x) => x.size > 0);
      assert.equal(sized.length, (await layerBlobs(root, 'e2e/flask:1')).length, 'every layer has a size, empty layers none');
      const install = rows.find((x) => x.by.includes('apt-get install'))!;
      assert.ok(install.size > 20_000_000, `apt-get install's layer is only ${install.size} bytes`);
      assert.ok(rows.find((x) => x.by.startsWith('COPY'))!.size > 0);
      assert.equal(rows.find((x) => x.by.startsWith('ENV'))!.size, 0);
    });

    it('a second build is fully cached: every step CACHED, the same image ID', async (t) => {
      const b = await build(root, ['-t', 'e2e/flask:1', ctx]);
      assertOk(b);
      t.diagnostic(`cached build: ${seconds(b.ms)}`);
      assertAllCached(b);
      assert.equal(b.id, firstId);
    });

    it('a touched (same content) app.py keeps the COPY cached', async () => {
      const later = new Date(Date.now() + 3600_000);
      await utimes(path.join(ctx, 'app.py'), later, later);
      const b = await build(root, ['-t', 'e2e/flask:1', ctx]);
      assertOk(b);
      assertAllCached(b);
      assert.equal(b.id, firstId);
    });

    it('a step added at the end reuses all the others', async () => {
      const dockerfile = (await readFile(path.join(ctx, 'Dockerfile'), 'utf8')) + 'RUN python3 -c "import flask; print(\'flask is\', flask.__name__)"\n';
      await writeFile(path.join(ctx, 'Dockerfile.more'), dockerfile);
      const b = await build(root, ['-f', path.join(ctx, 'Dockerfile.more'), '-t', 'e2e/flask:more', ctx]);
      assertOk(b);
      const last = b.steps.at(-1)!;
      assert.ok(last.text.startsWith('RUN python3') && !last.cached && last.done, describeBuild(b));
      assert.ok(last.output.includes('flask is flask'), last.output.join('\n'));
      assert.deepEqual(b.steps.slice(0, -1).filter((s) => !s.cached).map((s) => s.text), []);
    });

    it('after editing app.py only COPY and the steps after it run', async () => {
      await writeFile(path.join(ctx, 'app.py'), (await readFile(path.join(ctx, 'app.py'), 'utf8')) + '\n\n@app.route("/ping")\ndef ping():\n    return "pong\\n"\n');
      const b = await build(root, ['-t', 'e2e/flask:1', ctx]);
      assertOk(b);
      editedId = b.id!;
      assert.notEqual(editedId, firstId);
      assert.ok(step(b, 'RUN apt-get update').cached, 'apt-get update ran again');
      assert.ok(step(b, 'RUN apt-get install').cached, 'apt-get install ran again');
      for (const prefix of ['COPY app.py', 'ENV FLASK_APP', 'ENTRYPOINT']) {
        const s = step(b, prefix);
        assert.ok(!s.cached && s.done, `${prefix} came from the cache:\n${b.stderr}`);
      }
    });

    it('a failing step fails the build (exit 1, its line, the exit code) and creates or moves no tag', async () => {
      const lines = (await readFile(path.join(ctx, 'Dockerfile'), 'utf8')).split('\n');
      lines.splice(3, 0, 'RUN python3 -c "import flaks"'); // a typo, after the apt steps
      await writeFile(path.join(ctx, 'Dockerfile.broken'), lines.join('\n'));
      const b = await build(root, ['-f', path.join(ctx, 'Dockerfile.broken'), '-t', 'e2e/flask:1', '-t', 'e2e/flask:broken', ctx]);
      assert.equal(b.code, 1, describeBuild(b));
      assert.equal(b.id, undefined, 'an image was written');
      const all = b.stderr + b.stdout;
      assert.match(all, /did not complete successfully: exit code: 1/);
      assert.match(all, /Dockerfile\.broken:4\b/, 'the failing line is not named');
      assert.match(all, /RUN python3 -c "import flaks"/);
      assert.match(all, /ModuleNotFoundError: No module named 'flaks'/, 'the step\'s own output is not shown');
      assert.ok(step(b, 'RUN python3 -c "import flaks"').error, `no #N ERROR line:\n${b.stderr}`);
      // BuildKit's summary: the failed step's label, then its last lines, between rules.
      assert.match(b.stderr, /^------\n > \[\d+\/\d+\] RUN python3 -c "import flaks":\n(#\d+ .*\n)*#\d+ [\d.]+ ModuleNotFoundError: No module named 'flaks'\n------$/m);
      assert.ok(step(b, 'RUN apt-get install').cached);
      assert.equal(b.steps.find((s) => s.text.startsWith('COPY')), undefined, 'steps after the failure ran');
      assert.equal(await imageId(root, 'e2e/flask:1'), editedId, 'the existing tag moved');
      assert.equal(await imageId(root, 'e2e/flask:broken'), undefined, 'a new tag was created');
    });

    it('once fixed, the rebuild reuses every step before the failed one', async () => {
      const fixed = (await readFile(path.join(ctx, 'Dockerfile.broken'), 'utf8')).replace('import flaks', 'import flask');
      await writeFile(path.join(ctx, 'Dockerfile.broken'), fixed);
      const b = await build(root, ['-f', path.join(ctx, 'Dockerfile.broken'), '-t', 'e2e/flask:fixed', ctx]);
      assertOk(b);
      const i = b.steps.findIndex((s) => s.text.startsWith('RUN python3'));
      assert.ok(i > 0, describeBuild(b));
      assert.deepEqual(b.steps.slice(0, i).filter((s) => !s.cached).map((s) => s.text), []);
      assert.ok(!b.steps[i]!.cached && b.steps[i]!.done);
      assert.equal(await imageId(root, 'e2e/flask:fixed'), b.id);
    });
  });

  describe('isolation, asserted from inside RUN', () => {
    const marker = `berth-e2e-marker-${randomBytes(6).toString('hex')}`;
    let found: Record<string, string>;
    let layer: string[];

    before(async () => {
      await writeFile(path.join('/tmp', marker), 'host only\n');
      const ctx = await context('isolation', {
        Dockerfile: [
          `FROM ${BUSYBOX}`,
          'ARG MARKER',
          'RUN mkdir /results \\',
          ' && grep "^CapBnd:" /proc/self/status > /results/capbnd \\',
          ' && if test -e "/tmp/$MARKER"; then echo visible; else echo absent; fi > /results/marker \\',
          ' && hostname > /results/hostname \\',
          ' && if (echo 1 > /proc/sys/kernel/printk) 2>/results/printk.err; then echo writable; else echo denied; fi > /results/printk \\',
          ' && if (echo 1 > /proc/sysrq-trigger) 2>/dev/null; then echo writable; else echo denied; fi > /results/sysrq \\',
          ' && head /results/*',
          '',
        ].join('\n'),
      });
      const b = await build(root, ['--no-cache', '--build-arg', `MARKER=${marker}`, '-t', 'e2e/isolation:1', ctx]);
      assertOk(b);
      const dest = path.join(work, 'isolation-rootfs');
      await mkdir(dest);
      await flattenImage(root, 'e2e/isolation:1', dest);
      found = {};
      for (const name of ['capbnd', 'marker', 'hostname', 'printk', 'printk.err', 'sysrq']) found[name] = (await readFile(path.join(dest, 'results', name), 'utf8')).trim();
      layer = tarNames((await layerBlobs(root, 'e2e/isolation:1')).at(-1)!);
    });
    after(async () => {
      await rm(path.join('/tmp', marker), { force: true });
    });

    it("has docker's bounding set (CapBnd 00000000a80425fb)", () => {
      assert.equal(found.capbnd, 'CapBnd:\t00000000a80425fb');
    });

    it("does not see a file in the host's /tmp", () => {
      assert.equal(found.marker, 'absent');
    });

    it("has its own hostname, not the host's", () => {
      assert.notEqual(found.hostname, hostname());
      assert.equal(found.hostname, 'buildkitsandbox');
    });

    it('cannot write /proc/sys or /proc/sysrq-trigger', () => {
      assert.equal(found.printk, 'denied', found['printk.err']);
      assert.match(found['printk.err']!, /read-only|permission denied/i);
      assert.equal(found.sysrq, 'denied');
    });

    it('leaves no /etc/resolv.conf, /etc/hosts, /etc/hostname or mount-point stubs in the layer', () => {
      assert.ok(layer.includes('results/capbnd'), `the layer lacks the step's own files: ${layer.join(', ')}`);
      for (const stub of ['etc/resolv.conf', 'etc/hosts', 'etc/hostname']) assert.ok(!layer.includes(stub), `${stub} is in the layer: ${layer.join(', ')}`);
      const stubs = layer.filter((n) => /^(proc|sys|dev)(\/|$)/.test(n));
      assert.deepEqual(stubs, [], 'runtime mount points reached the layer');
    });
  });
  describe('cache semantics', () => {
    let ctx: string;
    let id: string;
    const dockerfile = [`FROM ${BUSYBOX}`, 'ARG V=1', 'COPY data.txt /data.txt', 'RUN echo "v=$V" > /v.txt && head -c 8 /dev/urandom | od -An -tx1 > /random', ''].join('\n');

    before(async () => {
      ctx = await context('cache', { Dockerfile: dockerfile, 'data.txt': 'some data\n' });
    });

    it('builds, then rebuilds entirely from the cache (same ID)', async () => {
      const first = await build(root, ['-t', 'e2e/cache:1', ctx]);
      assertOk(first);
      assertNoneCached(first);
      id = first.id!;
      const again = await build(root, ['-t', 'e2e/cache:1', ctx]);
      assertOk(again);
      assertAllCached(again);
      assert.equal(again.id, id);
    });

    it('a changed mtime alone (touch) does not invalidate a COPY', async () => {
      const later = new Date(Date.now() + 7200_000);
      await utimes(path.join(ctx, 'data.txt'), later, later);
      const b = await build(root, ['-t', 'e2e/cache:1', ctx]);
      assertOk(b);
      assertAllCached(b);
      assert.equal(b.id, id);
    });

    it('a step added at the end reuses all the others', async () => {
      await writeFile(path.join(ctx, 'Dockerfile.more'), dockerfile + 'RUN echo more > /more.txt\n');
      const b = await build(root, ['-f', path.join(ctx, 'Dockerfile.more'), ctx]);
      assertOk(b);
      assert.deepEqual(b.steps.filter((s) => !s.cached).map((s) => s.text), ['RUN echo more > /more.txt']);
    });

    it('a changed --build-arg reruns the RUN that uses it, not the COPY before it', async () => {
      const b = await build(root, ['--build-arg', 'V=2', '-t', 'e2e/cache:v2', ctx]);
      assertOk(b);
      assert.ok(step(b, 'COPY data.txt').cached, `the COPY (which does not use V) ran again:\n${b.stderr}`);
      const run = step(b, 'RUN echo');
      assert.ok(!run.cached && run.done, `the RUN using V came from the cache:\n${b.stderr}`);
      assert.notEqual(b.id, id);
      const dest = path.join(work, 'cache-v2');
      await mkdir(dest);
      await flattenImage(root, 'e2e/cache:v2', dest);
      assert.equal(await readFile(path.join(dest, 'v.txt'), 'utf8'), 'v=2\n');
      const back = await build(root, ['--build-arg', 'V=1', ctx]);
      assertOk(back);
      assertAllCached(back);
      assert.equal(back.id, id, 'V=1 again is the first build, from the cache');
    });

    it('--no-cache reruns every step', async () => {
      const b = await build(root, ['--no-cache', ctx]);
      assertOk(b);
      assertNoneCached(b);
      assert.ok(b.steps.every((s) => s.done), describeBuild(b));
      assert.notEqual(b.id, id);
    });

    it('builder prune asks first (no: nothing removed) and refuses the filters it does not implement', async () => {
      const no = await berth(root, ['builder', 'prune'], { input: 'n\n' });
      assert.equal(no.code, 0, describeBuild(no));
      assert.match(no.stdout, /WARNING! This will remove all build cache\. Are you sure you want to continue\? \[y\/N\]/);
      assert.doesNotMatch(no.stdout, /Total:/);
      assert.ok((await entries(path.join(root, 'cache', 'steps'))).length > 0, 'the cache is gone after answering no');
      for (const flag of [['--filter', 'until=24h'], ['--keep-storage', '1GB']]) {
        const r = await berth(root, ['builder', 'prune', '-f', ...flag]);
        assert.equal(r.code, 1, describeBuild(r));
        assert.match(r.stderr, new RegExp(`${flag[0]} is not supported`));
      }
      assert.ok((await entries(path.join(root, 'cache', 'steps'))).length > 0, 'a refused prune removed the cache');
    });

    it('builder prune clears the cache (docker\'s Total: line); the next build reruns its steps', async () => {
      const r = await berth(root, ['builder', 'prune', '-f']);
      assert.equal(r.code, 0, describeBuild(r));
      assert.match(r.stdout, /^Total:\s+\d+(\.\d+)?[kMG]?B$/m);
      assert.ok(!/^Total:\s+0B$/m.test(r.stdout), `nothing was reclaimed:\n${r.stdout}`);
      assert.deepEqual(await entries(path.join(root, 'cache', 'steps')), []);
      assert.deepEqual(await entries(path.join(root, 'cache', 'checksums')), [], 'context checksum memos are left');
      assert.equal(existsSync(path.join(root, 'cache', 'checksums.json')), false);
      const b = await build(root, [ctx]);
      assertOk(b);
      assert.ok(!step(b, 'COPY data.txt').cached && !step(b, 'RUN echo').cached, `steps came from a pruned cache:\n${b.stderr}`);
      const again = await berth(root, ['builder', 'prune', '-f']);
      assert.equal(again.code, 0, describeBuild(again));
      assert.match(again.stdout, /^Total:\s+\S+B$/m);
    });
  });

  describe('failure and interruption', () => {
    let ctx: string;

    before(async () => {
      ctx = await context('interrupt', { Dockerfile: [`FROM ${BUSYBOX}`, 'ARG NONCE', 'RUN echo "started $NONCE" && sleep 30 && echo finished', ''].join('\n') });
    });

    /** Starts a build whose RUN sleeps, and resolves once the container is running the sleep. */
    async function startSleeping(tag: string): Promise<ReturnType<typeof startBerth>> {
      const nonce = randomBytes(4).toString('hex');
      const running = startBerth(root, ['build', '--progress', 'plain', '--build-arg', `NONCE=${nonce}`, '-t', tag, ctx]);
      let exited = false;
      void running.done.then(() => (exited = true));
      await waitFor('the RUN to start', () => exited || running.stderr().includes(`started ${nonce}`), 60_000);
      assert.ok(!exited, `the build ended before its RUN started:\n${running.stderr()}`);
      assert.equal(runcContainers(root).length, 1, 'no container runs the step');
      assert.ok(mountsBelow(root).length > 0, 'the step has no overlay mount');
      return running;
    }

    /** No container, mount or process of the build; after the next berth command, no temp dir or bundle. */
    async function assertNothingLeft(tag: string, opts: { nextCommandFirst: boolean }): Promise<void> {
      const next = async (): Promise<void> => {
        const r = await berth(root, ['images']);
        assert.equal(r.code, 0, describeBuild(r));
      };
      if (opts.nextCommandFirst) await next();
      assert.deepEqual(runcContainers(root), [], 'a runc container is left');
      assert.deepEqual(mountsBelow(root), [], 'a mount under the store is left');
      await waitFor('runc and its helpers to exit', () => processesMentioning(root).length === 0, 5000).catch(() => undefined);
      assert.deepEqual(processesMentioning(root), [], 'processes of the build are left');
      if (!opts.nextCommandFirst) await next();
      assert.deepEqual(await entries(path.join(root, 'tmp')), [], `${root}/tmp still holds leftovers after the next berth command`);
      assert.deepEqual(await entries(path.join(root, 'bundles')), [], 'runc bundles are left');
      assert.equal(await imageId(root, tag), undefined, 'the interrupted build created its tag');
    }

    it('SIGINT during a RUN: berth exits non-zero within seconds and leaves nothing behind', async (t) => {
      const running = await startSleeping('e2e/interrupted:1');
      const sent = Date.now();
      running.child.kill('SIGINT');
      const r = await running.done;
      const took = Date.now() - sent;
      t.diagnostic(`exited ${took} ms after SIGINT`);
      assert.notEqual(r.code, 0, describeBuild(r));
      assert.ok(took < 8000, `berth took ${took} ms to stop after SIGINT (the RUN sleeps 30 s)`);
      assert.match(r.stderr, /interrupted/i);
      assert.ok(!step({ steps: parsePlain(r.stderr), stderr: r.stderr }, 'RUN echo').output.includes('finished'), 'the RUN was not stopped');
      assert.doesNotMatch(r.stderr, /writing image/);
      await assertNothingLeft('e2e/interrupted:1', { nextCommandFirst: false });
    });

    it('SIGKILL during a RUN: the next berth command removes the container, the mount and the temp dirs', async () => {
      const running = await startSleeping('e2e/killed:1');
      running.child.kill('SIGKILL');
      const r = await running.done;
      assert.equal(r.signal, 'SIGKILL');
      // Nothing cleaned up after the dead process yet: that is the next command's job.
      assert.equal(runcContainers(root).length, 1, 'the container died with berth (the check below would prove nothing)');
      await assertNothingLeft('e2e/killed:1', { nextCommandFirst: true });
    });
  });

  describe('multi-stage', () => {
    let ctx: string;

    before(async () => {
      ctx = await context('multistage', {
        Dockerfile: [
          `FROM ${BUSYBOX} AS a`,
          'RUN echo a-start && sleep 2 && echo a > /a.txt && echo a-end',
          `FROM ${BUSYBOX} AS b`,
          'RUN echo b-start && sleep 2 && echo b > /b.txt && echo b-end',
          `FROM ${BUSYBOX} AS unused`,
          'RUN echo unused > /unused.txt',
          `FROM ${BUSYBOX}`,
          'COPY --from=0 /a.txt /a.txt',
          'COPY --from=b /b.txt /b.txt',
          '',
        ].join('\n'),
      });
    });

    it('runs independent stages concurrently, skips the unused one, and copies --from=0 and --from=name', async (t) => {
      const b = await build(root, ['--no-cache', '-t', 'e2e/multi:1', ctx]);
      assertOk(b);
      t.diagnostic(`two stages of sleep 2 and a final stage: ${seconds(b.ms)}`);
      const a = step(b, 'RUN echo a-start');
      const bb = step(b, 'RUN echo b-start');
      assert.ok(a.endLine !== undefined && bb.endLine !== undefined);
      // Overlap: each stage's RUN started before the other's finished (plain output order).
      assert.ok(a.startLine < bb.endLine! && bb.startLine < a.endLine!, `the stages ran one after the other:\n${b.stderr}`);
      const lines = b.stderr.split('\n');
      const at = (text: string): number => lines.findIndex((l) => new RegExp(`^#\\d+ \\d+\\.\\d+ ${text}$`).test(l));
      for (const x of ['a-start', 'a-end', 'b-start', 'b-end']) assert.ok(at(x) >= 0, `no ${x} line:\n${b.stderr}`);
      assert.ok(at('a-start') < at('b-end') && at('b-start') < at('a-end'), `the RUNs' outputs do not interleave:\n${b.stderr}`);
      assert.equal(b.steps.find((s) => s.text.includes('unused')), undefined, 'the unused stage was built');
      // Each COPY --from waits for the stage it reads (and only for it, as BuildKit).
      assert.ok(step(b, 'COPY --from=0').startLine > a.endLine!, `COPY --from=0 ran before stage a ended:\n${b.stderr}`);
      assert.ok(step(b, 'COPY --from=b').startLine > bb.endLine!, `COPY --from=b ran before stage b ended:\n${b.stderr}`);
      const dest = path.join(work, 'multi-1');
      await mkdir(dest);
      await flattenImage(root, 'e2e/multi:1', dest);
      assert.equal(await readFile(path.join(dest, 'a.txt'), 'utf8'), 'a\n');
      assert.equal(await readFile(path.join(dest, 'b.txt'), 'utf8'), 'b\n');
      assert.equal(existsSync(path.join(dest, 'unused.txt')), false);
    });

    it('--target builds only the stages the target needs', async () => {
      const b = await build(root, ['--no-cache', '--target', 'b', '-t', 'e2e/multi:b', ctx]);
      assertOk(b);
      assert.deepEqual(b.steps.map((s) => s.text), [`FROM docker.io/${BUSYBOX}`, 'RUN echo b-start && sleep 2 && echo b > /b.txt && echo b-end']);
      const dest = path.join(work, 'multi-b');
      await mkdir(dest);
      await flattenImage(root, 'e2e/multi:b', dest);
      assert.equal(await readFile(path.join(dest, 'b.txt'), 'utf8'), 'b\n');
      assert.equal(existsSync(path.join(dest, 'a.txt')), false);
    });
  });
});
