// Plain progress as BuildKit prints it: the FROM is step 1 (CACHED for a stored base), labels carry
// the stage name only when there are several stages, and a failure shows `#N ERROR:`, CANCELED for
// the steps it stopped, and the failed step's last lines between `------` rules.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, describeBuild, importBusybox } from './e2e-helpers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-progress-'));
const root = path.join(work, 'store');
after(() => rmSync(work, { recursive: true, force: true }));
before(() => importBusybox(root, work, 'busybox:latest'));

function context(name: string, dockerfile: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

const starts = (stderr: string): string[] => stderr.split('\n').filter((l) => /^#\d+ \[/.test(l)).map((l) => l.replace(/^#\d+ /, ''));

describe('plain progress', () => {
  it('numbers a one-stage build from its FROM, without a stage name', async () => {
    const b = await build(root, [context('one', 'FROM busybox\nRUN echo one\nENV A=1\n')]);
    assert.equal(b.code, 0, describeBuild(b));
    assert.deepEqual(starts(b.stderr), ['[1/3] FROM docker.io/library/busybox', '[2/3] RUN echo one', '[3/3] ENV A=1']);
    assert.ok(b.steps[0]!.cached, 'a stored base is CACHED');
  });

  it('names the stages of a multi-stage build, unnamed ones as stage-N', async () => {
    const b = await build(root, [context('multi', 'FROM busybox:latest AS build\nRUN echo a > /a\nFROM busybox\nCOPY --from=build /a /a\n')]);
    assert.equal(b.code, 0, describeBuild(b));
    assert.deepEqual(starts(b.stderr).sort(), [
      '[build 1/2] FROM docker.io/library/busybox:latest', '[build 2/2] RUN echo a > /a',
      '[stage-1 1/2] FROM docker.io/library/busybox', '[stage-1 2/2] COPY --from=build /a /a',
    ]);
  });

  it('marks the failed step ERROR, cancels the running ones and repeats the failed one\'s last lines', async () => {
    const dockerfile = [
      'FROM busybox AS slow', 'RUN sleep 20', '',
      'FROM busybox', 'RUN for i in $(seq 1 15); do echo line-$i; done; exit 7', 'COPY --from=slow /etc/passwd /p', '',
    ].join('\n');
    const b = await build(root, ['--no-cache', context('fail', dockerfile)]);
    assert.equal(b.code, 1, describeBuild(b));
    const failed = b.steps.find((s) => s.text.startsWith('RUN for i'))!;
    assert.ok(failed.error, describeBuild(b));
    assert.match(b.stderr, new RegExp(`^#${failed.n} ERROR: process "/bin/sh -c for i in .*" did not complete successfully: exit code: 7$`, 'm'));
    const slow = b.steps.find((s) => s.text === 'RUN sleep 20')!;
    assert.match(b.stderr, new RegExp(`^#${slow.n} CANCELED$`, 'm'), describeBuild(b));
    // The summary: the label, the last 10 of the 15 lines, then the error with its Dockerfile line.
    const summary = /^------\n > \[stage-1 2\/3\] RUN for i in .*:\n((?:#\d+ .*\n)*)------$/m.exec(b.stderr);
    assert.ok(summary, describeBuild(b));
    assert.deepEqual(summary[1]!.trim().split('\n').map((l) => l.replace(/^#\d+ [\d.]+ /, '')), Array.from({ length: 10 }, (_, i) => `line-${i + 6}`));
    assert.match(b.stderr, /Dockerfile:5\b/);
  });
});
