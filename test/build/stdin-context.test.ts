// `berth build -`: a Dockerfile on stdin builds with an empty context; a tar archive (plain or
// compressed) on stdin is the whole context, with -f naming the Dockerfile inside it; as docker.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, REPO, type Ran } from './e2e-helpers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-stdin-'));
const root = path.join(work, 'store');
after(() => rmSync(work, { recursive: true, force: true }));
before(() => importBusybox(root, work, 'busybox:latest'));

/** Runs the CLI with `input` on its standard input. */
function berthWithInput(args: readonly string[], input: Buffer): Promise<Ran> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts'), '--root', root, ...args], {
    cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.on('error', () => undefined); // berth may refuse before reading it all
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

function context(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const tarOf = (dir: string, ...flags: string[]): Buffer => execFileSync('tar', [...flags, '-C', dir, '-cf', '-', '.'], { maxBuffer: 64 << 20 });

function exported(name: string): string {
  return path.join(work, `out-${name}`);
}

const leftovers = (): string[] => readdirSync(path.join(root, 'tmp')).filter((n) => n.includes('stdin-context'));

describe('berth build -', () => {
  it('builds a Dockerfile read from stdin with an empty context', async () => {
    const out = exported('dockerfile');
    const r = await berthWithInput(['build', '-q', '-o', `type=local,dest=${out}`, '-t', 'from-stdin', '-'], Buffer.from('FROM busybox\nRUN echo made > /made.txt\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.equal(readFileSync(path.join(out, 'made.txt'), 'utf8'), 'made\n');
    assert.deepEqual(leftovers(), []);
  });

  it('has nothing to COPY from when stdin is the Dockerfile', async () => {
    const r = await berthWithInput(['build', '-q', '-'], Buffer.from('FROM busybox\nCOPY app.py /app.py\n'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Dockerfile:2/);
    assert.match(r.stderr, /app\.py/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(leftovers(), []);
  });

  for (const [kind, flags] of [['plain', []], ['gzip', ['-z']], ['xz', ['-J']]] as const) {
    it(`takes a ${kind} tar archive on stdin as the whole context`, async () => {
      const dir = context(`ctx-${kind}`, { Dockerfile: 'FROM busybox\nCOPY . /ctx/\n', 'app/main.txt': `from a ${kind} archive\n`, '.dockerignore': 'secret.txt\n', 'secret.txt': 'no\n' });
      const out = exported(kind);
      const r = await berthWithInput(['build', '-q', '-o', `type=local,dest=${out}`, '-'], tarOf(dir, ...flags));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(path.join(out, 'ctx', 'app', 'main.txt'), 'utf8'), `from a ${kind} archive\n`);
      assert.deepEqual(readdirSync(path.join(out, 'ctx')).sort(), ['.dockerignore', 'Dockerfile', 'app'], '.dockerignore in the archive is honoured');
      assert.deepEqual(leftovers(), []);
    });
  }

  it('reads -f as a path inside the archive, rooted there', async () => {
    const dir = context('ctx-f', { 'build/Dockerfile.dev': 'FROM busybox\nCOPY app.txt /app.txt\n', 'app.txt': 'inside\n' });
    const out = exported('f');
    const r = await berthWithInput(['build', '-q', '-f', '../../build/Dockerfile.dev', '-o', `type=local,dest=${out}`, '-'], tarOf(dir));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(path.join(out, 'app.txt'), 'utf8'), 'inside\n');
    const missing = await berthWithInput(['build', '-q', '-f', 'nope/Dockerfile', '-'], tarOf(dir));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\/Dockerfile/);
    assert.deepEqual(leftovers(), []);
  });

  it('refuses stdin for both the context and the Dockerfile, and -f with a plain Dockerfile', async () => {
    const both = await berthWithInput(['build', '-f', '-', '-'], Buffer.from('FROM busybox\n'));
    assert.equal(both.code, 1);
    assert.match(both.stderr, /can't use stdin for both the build context and the Dockerfile/);
    const named = await berthWithInput(['build', '-f', 'Dockerfile', '-'], Buffer.from('FROM busybox\n'));
    assert.equal(named.code, 1);
    assert.match(named.stderr, /standard input is a Dockerfile, not a context archive/);
    assert.deepEqual(leftovers(), []);
  });
});
