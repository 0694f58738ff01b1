// `npm run demo`'s script (scripts/demo.sh) end to end on the examples' store: it builds
// examples/flask, runs it detached with a published port, prints the page it fetched, shows history,
// ps, logs and images, stops and removes the container; run again, its build is fully cached.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { parsePlain, REPO } from '../build/e2e-helpers.ts';
import { berth, berthCommand, ensureDebianBase, examplesUnavailable, STORE } from './helpers.ts';

const skip = await examplesUnavailable();

interface Demo { code: number | null; output: string }

function runDemo(): Promise<Demo> {
  const child = spawn('bash', ['scripts/demo.sh'], { cwd: REPO, env: { ...process.env, BERTH_ROOT: STORE, BERTH_CLI: berthCommand().join(' '), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The text of the demo's section headed `== title…`, up to the next heading. */
function section(demo: Demo, title: string): string {
  const parts = demo.output.split(/^== /m);
  const found = parts.find((p) => p.startsWith(title));
  assert.ok(found !== undefined, `the demo has no "== ${title}" section:\n${demo.output}`);
  return found.slice(found.indexOf('\n') + 1);
}

describe('npm run demo (scripts/demo.sh)', { skip }, () => {
  before(() => ensureDebianBase());

  it('builds examples/flask, runs it, prints the page it served, shows its logs, stops and removes it; a rerun is fully cached', async (t) => {
    let demo = await runDemo();
    assert.equal(demo.code, 0, `the demo failed:\n${demo.output}`);
    const steps = (d: Demo): ReturnType<typeof parsePlain> => parsePlain(section(d, 'berth build -t berth-demo/flask'));
    if (steps(demo).some((s) => !s.cached)) {
      // The first demo on this store built for real: the one that matters is the second.
      t.diagnostic('the first run built examples/flask; running the demo again');
      demo = await runDemo();
      assert.equal(demo.code, 0, `the second demo failed:\n${demo.output}`);
    }
    const built = steps(demo);
    assert.equal(built.length, 6, section(demo, 'berth build -t berth-demo/flask'));
    assert.deepEqual(built.filter((s) => !s.cached).map((s) => s.text), [], 'the rerun was not fully cached');

    assert.match(section(demo, 'berth run -d'), /^[0-9a-f]{64}$/m);
    assert.equal(section(demo, 'curl http://127.0.0.1:').trim(), 'Hello from a berth-built container!');
    assert.match(section(demo, 'berth ps'), /^[0-9a-f]{12} +berth-demo\/flask +.* Up .* 127\.0\.0\.1:\d+->5000\/tcp +berth-demo-flask$/m);
    assert.match(section(demo, 'berth logs berth-demo-flask'), /"GET \/ HTTP\/1\.1" 200/);
    assert.match(section(demo, 'berth history berth-demo/flask'), /ENTRYPOINT \["flask" "run" "--host=0\.0\.0\.0"\]/);
    assert.match(section(demo, 'berth images'), /^berth-demo\/flask +latest +[0-9a-f]{12} /m);
    assert.equal(section(demo, 'berth stop berth-demo-flask && berth rm berth-demo-flask').trim(), 'berth-demo-flask\nberth-demo-flask');
    assert.match(demo.output, /^demo: built examples\/flask on debian:bookworm, ran it, fetched a page from it, stopped and removed it in \d+ ms\.$/m);
    t.diagnostic(demo.output.trim().split('\n').at(-1)!);

    const ps = await berth(STORE, ['ps', '-a']);
    assert.ok(!ps.stdout.includes('berth-demo-flask'), `the demo left its container:\n${ps.stdout}`);
  });
});
