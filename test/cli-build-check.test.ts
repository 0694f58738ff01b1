// `berth build --check` end to end through the CLI: the plan it prints, errors with file:line and
// the offending line, exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const main = path.join(repo, 'src/cli/main.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'berth-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function berth(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { cwd: repo, encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('berth build --check', () => {
  it('prints the stages and steps of a multi-stage plan, skipping stages the target does not need', () => {
    const r = berth(['build', '--check', 'examples/multi-stage']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 stages, target 2; 2 would be built/);
    assert.match(r.stdout, /stage 0 \(build\) FROM debian:bookworm\n/);
    assert.match(r.stdout, /stage 1 \(test\) FROM debian:bookworm {2}\[skipped/);
    assert.match(r.stdout, /\[3\/5\] line 14: COPY --from=build \/out \/var\/www\/html/);
    assert.match(r.stdout, /Check complete, no warnings found\./);
  });

  it('honours --target and --build-arg', () => {
    const r = berth(['build', '--check', '--target', 'test', '--build-arg', 'BASE=busybox:1', 'examples/multi-stage']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /target test; 2 would be built/);
    assert.match(r.stdout, /stage 0 \(build\) FROM busybox:1\n/);
    assert.match(r.stdout, /stage 2 FROM busybox:1 {2}\[skipped/);
  });

  it('reports every error with file:line:column, the line and a hint; no stack trace', () => {
    const file = path.join(dir, 'Bad.Dockerfile');
    writeFileSync(file, 'FROM busybox\nRUNN echo hi\nENV\n');
    const r = berth(['build', '--check', '-f', file, dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${file}:2:1: unknown instruction: RUNN \\(did you mean RUN\\?\\)\\n 2 \\| RUNN echo hi\\n   \\| \\^\\^\\^\\^`));
    assert.match(r.stderr, new RegExp(`${file}:3:1: ENV requires at least one argument`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('reads the Dockerfile from stdin with -f -', () => {
    const r = berth(['build', '--check', '-f', '-', dir], 'FROM scratch\nCOPY --from=1 a b\nFROM scratch\n');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Dockerfile:2:1: COPY --from=1 refers to the current or a later build stage/);
  });

  it('names an unknown target and the stages there are', () => {
    const r = berth(['build', '--check', '--target', 'nope', 'examples/multi-stage']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /target stage "nope" could not be found\nhint: the stages are named: build, test/);
  });

  it('fails clearly on a missing context or Dockerfile', () => {
    const r1 = berth(['build', '--check', path.join(dir, 'nope')]);
    assert.equal(r1.status, 1);
    assert.match(r1.stderr, /unable to prepare context: path ".*nope" not found/);
    const r2 = berth(['build', '--check', dir]);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /cannot read the Dockerfile: .*Dockerfile does not exist/);
  });

  it('exits 1 and prints warnings in compiler style when the plan has warnings', () => {
    const file = path.join(dir, 'Warn.Dockerfile');
    writeFileSync(file, 'FROM busybox:${TAG}\n');
    const r = berth(['build', '--check', '-f', file, '--build-arg', 'UNUSED=1', dir]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`${file}:1:1: warning: FROM argument .TAG. is not declared`));
    assert.match(r.stdout, new RegExp(`${file}: warning: one or more build-args \\[UNUSED\\] were not consumed`));
    assert.match(r.stdout, /Check complete, 2 warnings have been found!/);
  });
});

describe('berth build --check with a .dockerignore', () => {
  it('counts the context a build would see and names the ignore file', () => {
    const ctx = mkdtempSync(path.join(tmpdir(), 'berth-ctx-'));
    try {
      writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
      writeFileSync(path.join(ctx, 'a.txt'), 'a');
      writeFileSync(path.join(ctx, 'b.log'), 'b');
      writeFileSync(path.join(ctx, '.dockerignore'), '*.log\n');
      const r = berth(['build', '--check', ctx]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`context: 3 entries \\(after ${ctx}/.dockerignore\\)`));
      writeFileSync(path.join(ctx, '.dockerignore'), '*.log\n[a-\n');
      const bad = berth(['build', '--check', ctx]);
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /\.dockerignore:2/);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
});
