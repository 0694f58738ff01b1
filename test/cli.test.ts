// The CLI shell end to end: help, version, docker-like usage errors and exit codes, flag parsing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CommanderError, type Command } from 'commander';
import { createProgram } from '../src/cli/program.ts';
import { formatCheckReport } from '../src/cli/commands/build.ts';
import { parseKeyValues } from '../src/cli/options.ts';
import { formatError, exitCodeFor } from '../src/cli/report-error.ts';
import { BerthError, BerthErrors } from '../src/util/errors.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = resolve(ROOT, 'src/cli/main.ts');

const TOP_VERBS = [
  'build', 'images', 'history', 'tag', 'rmi', 'inspect', 'save', 'load', 'import', 'pull', 'push', 'login', 'logout',
  'run', 'ps', 'logs', 'stop', 'kill', 'rm', 'start', 'exec', 'system', 'image', 'builder', 'container',
];
const SUB_VERBS = ['system df', 'system prune', 'image prune', 'builder prune', 'container prune'];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function berth(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, BERTH_DEBUG: '', ...env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

describe('berth (spawned)', { concurrency: 4 }, () => {
  it('--help lists every verb', async () => {
    const r = await berth(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: berth \[OPTIONS\] COMMAND/);
    for (const verb of TOP_VERBS) assert.match(r.stdout, new RegExp(`^  ${verb} `, 'm'), `--help lists ${verb}`);
  });

  it('a bare `berth` prints help to stdout and succeeds, as docker does', async () => {
    const r = await berth([]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: berth /);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await berth(['--version']);
    assert.deepEqual(r, { code: 0, stdout: `berth version ${pkg.version}\n`, stderr: '' });
  });

  // Every verb's help is also checked in-process below; spawning all of them costs ~0.5 s each.
  for (const verb of ['build', 'run', 'system df']) {
    it(`${verb} --help`, async () => {
      const r = await berth([...verb.split(' '), '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`Usage: berth ${verb} `), r.stdout);
      assert.equal(r.stderr, '');
    });
  }

  it('an unimplemented verb says so and exits 1', async () => {
    assert.deepEqual(await berth(['system', 'prune', '-f']), { code: 1, stdout: '', stderr: 'berth system prune: not implemented yet\n' });
  });

  it('an unknown flag gets docker text, exit 1 and no stack trace', async () => {
    const r = await berth(['build', '--frobnicate', '.'], { BERTH_DEBUG: '1' });
    assert.deepEqual(r, { code: 1, stdout: '', stderr: "unknown flag: --frobnicate\nSee 'berth build --help'.\n" });
    const short = await berth(['ps', '-z']);
    assert.deepEqual(short, { code: 1, stdout: '', stderr: "unknown shorthand flag: 'z' in -z\nSee 'berth ps --help'.\n" });
  });

  it('wrong argument counts get docker text and exit 1', async () => {
    const r = await berth(['tag', 'alpine']);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.startsWith(`"berth tag" requires exactly 2 arguments.\nSee 'berth tag --help'.\n`), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('an unknown verb exits 1', async () => {
    const r = await berth(['frobnicate']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: "berth: 'frobnicate' is not a berth command.\nSee 'berth --help'.\n" });
  });
});

/** Parses argv in-process with the verb's action replaced by a recorder. */
async function parse(argv: string[], verb: string): Promise<unknown[]> {
  const program = await createProgram();
  const cmd = program.commands.find((c) => c.name() === verb);
  assert.ok(cmd);
  let seen: unknown[] = [];
  cmd.action((...args: unknown[]) => {
    seen = [...args.slice(0, -2), cmd.optsWithGlobals()];
  });
  await program.parseAsync(argv, { from: 'user' });
  return seen;
}

/** Runs `berth <args>` in-process up to commander's exit; returns its exit code and captured output. */
async function parseForExit(args: string[]): Promise<Result> {
  const program = await createProgram();
  const out = { stdout: '', stderr: '' };
  const capture = (cmd: Command): void => {
    cmd.configureOutput({ writeOut: (s) => void (out.stdout += s), writeErr: (s) => void (out.stderr += s) });
    cmd.commands.forEach(capture);
  };
  capture(program);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: -1, ...out };
  } catch (err) {
    assert.ok(err instanceof CommanderError, String(err));
    return { code: err.exitCode, ...out };
  }
}

describe('berth flags (in-process)', () => {
  for (const verb of [...TOP_VERBS, ...SUB_VERBS]) {
    it(`${verb} --help prints usage and exits 0`, async () => {
      const r = await parseForExit([...verb.split(' '), '--help']);
      assert.equal(r.code, 0);
      assert.ok(r.stdout.startsWith(`Usage: berth ${verb} `), r.stdout);
      assert.match(r.stdout, /\n {2}(-h, )?--help +Print usage\n/);
      assert.equal(r.stderr, '');
    });
  }

  it('passes everything after IMAGE to the container command', async () => {
    const [image, command, opts] = await parse(['run', '--rm', '-it', '-e', 'A=1', '-e', 'B', 'alpine', 'ls', '-l', '--rm'], 'run');
    assert.equal(image, 'alpine');
    assert.deepEqual(command, ['ls', '-l', '--rm']);
    assert.deepEqual(
      { ...(opts as object) },
      { ...(opts as object), rm: true, interactive: true, tty: true, env: ['A=1', 'B'] },
    );
  });

  it('collects repeatable build flags and reads global --root before the verb', async () => {
    const [context, opts] = await parse(['--root', '/tmp/r', 'build', '-t', 'a', '-t', 'b:1', '--build-arg', 'X=1', '--no-cache', 'dir'], 'build');
    assert.equal(context, 'dir');
    const o = opts as Record<string, unknown>;
    assert.deepEqual([o.root, o.tag, o.buildArg, o.cache], ['/tmp/r', ['a', 'b:1'], ['X=1'], false]);
  });

  it('reads --build-arg KEY from the environment, undefined when unset', () => {
    assert.deepEqual(parseKeyValues(['A=1=2', 'B', 'C', 'D='], { B: 'env' }), { A: '1=2', B: 'env', C: undefined, D: '' });
  });

  it('reports --check results: stages and steps, warnings in compiler style, docker\'s closing line', () => {
    const clean = {
      file: 'Dockerfile', target: 'app', warnings: [], context: undefined,
      stages: [{ index: 0, name: 'app', base: 'busybox', willBuild: true, steps: [{ line: 1, text: 'FROM busybox AS app' }] }],
    };
    assert.equal(
      formatCheckReport(clean),
      'Dockerfile: 1 stage, target app; 1 would be built\nstage 0 (app) FROM busybox\n  [1/1] line 1: FROM busybox AS app\nCheck complete, no warnings found.\n',
    );
    const warned = { ...clean, stages: [], warnings: [{ file: 'Dockerfile', line: 2, column: 1, message: 'JSON arguments recommended for CMD' }] };
    assert.match(
      formatCheckReport(warned),
      /Dockerfile:2:1: warning: JSON arguments recommended for CMD\nCheck complete, 1 warning has been found!\n$/,
    );
  });
});

describe('report-error', () => {
  it('prints file:line:col, the excerpt with a gutter and carets, then the hint', () => {
    const err = new BerthError('DOCKERFILE_INSTRUCTION', 'unknown instruction: FORM', {
      file: 'Dockerfile',
      range: { start: { line: 9, column: 1 }, end: { line: 9, column: 5 } },
      excerpt: 'FORM alpine\n',
      hint: 'did you mean FROM?',
    });
    assert.equal(
      formatError(err, { verb: 'build', debug: true }),
      'Dockerfile:9:1: unknown instruction: FORM\n 9 | FORM alpine\n   | ^^^^\nhint: did you mean FROM?\n',
    );
  });

  it('prints each of several errors, and no stack for a user mistake even with --debug', () => {
    const range = (line: number) => ({ start: { line, column: 5 }, end: { line: line + 1, column: 4 } });
    const errors = new BerthErrors([
      new BerthError('DOCKERFILE_FLAG', 'unknown flag: --chmodd', { file: 'Dockerfile', range: range(10), excerpt: 'RUN a \\\n  b\n' }),
      new BerthError('NOT_FOUND', 'no such image: x'),
    ]);
    const text = formatError(errors, { verb: 'build', debug: true });
    assert.equal(
      text,
      'Dockerfile:10:5: unknown flag: --chmodd\n 10 | RUN a \\\n    |     ^^^\n 11 |   b\n    |   ^\nberth build: no such image: x\n',
    );
  });

  it('shows control characters in messages as escapes (a hostile name cannot drive the terminal)', () => {
    const err = new BerthError('INVALID_ARCHIVE', "entry 'a\x1b[2J\x07b\rc\x9b' is bad", { hint: 'tabs\tstay' });
    assert.equal(formatError(err, { verb: 'load' }), "berth load: entry 'a\\x1b[2J\\x07b\\x0dc\\x9b' is bad\nhint: tabs\tstay\n");
  });

  it('prints a stack for a foreign error only in debug mode', () => {
    assert.equal(formatError(new TypeError('x is undefined')), 'berth: x is undefined\n');
    assert.match(formatError(new TypeError('x is undefined'), { debug: true }), /^berth: x is undefined\n\s+at /);
  });

  it('maps exit codes like docker', () => {
    assert.equal(exitCodeFor(new BerthError('NOT_FOUND', 'no such image'), 'plain'), 1);
    assert.equal(exitCodeFor(new BerthError('NOT_FOUND', 'no such image'), 'container'), 125);
    assert.equal(exitCodeFor(new BerthError('NOT_IMPLEMENTED', 'later'), 'container'), 1);
    assert.equal(exitCodeFor(new Error('bug'), 'container'), 125);
  });
});
