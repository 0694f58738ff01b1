// `run -t` and `exec -t` through the CLI with real runc: the pty, merged stderr, \r\n output, exit codes, -dt logs, resizing,
// docker's refusal of -it without a terminal, -it from a real terminal (script(1)), nothing left after rm; and the same run -t
// cases under the docker engine, whose output must match byte for byte. Also -p on the host network (docker's warning).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe as suite, it } from 'node:test';
import { resizeContainer } from '../../src/api/index.ts';
import { useDockerd, type DockerEngine } from '../helpers/dockerd.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, berthAsync, berthBin, describe, IMAGES, importImages, leftovers, until, type Ran } from './helpers.ts';

const skip = runcUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-tty-'));
const root = path.join(work, 'store');
let imported: Promise<unknown> | undefined;
const images = (): Promise<unknown> => (imported ??= importImages(root, work));
after(() => {
  const left = berth(root, ['ps', '-aq']).stdout.split('\n').filter(Boolean);
  if (left.length) berth(root, ['rm', '-f', ...left]);
  rmSync(work, { recursive: true, force: true });
});

function ok(args: string[]): Ran {
  const r = berth(root, args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${describe(r)}`);
  return r;
}

const inspect = (name: string, format: string): string => ok(['container', 'inspect', '--format', format, name]).stdout.trim();

suite('berth run -t and exec -t', { skip, concurrency: 1 }, () => {
  it('run -t: stdin, stdout and stderr are the pty /dev/pts/0, TERM=xterm, output ends lines with \\r\\n', async () => {
    await images();
    const r = ok(['run', '-t', 'ctest/cmd', 'sh', '-c', 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-ttys; echo "TERM=$TERM"']);
    assert.equal(r.stdout, '/dev/pts/0\r\nall-ttys\r\nTERM=xterm\r\n');
    assert.equal(r.stderr, '');
  });

  it('run -t merges stderr into the terminal and passes the exit code on; --rm leaves nothing', async () => {
    await images();
    const r = berth(root, ['run', '-t', '--rm', '--name', 'tty-rm', 'ctest/cmd', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, describe(r));
    assert.equal(r.stdout, 'out\r\nerr\r\n');
    assert.equal(r.stderr, '');
    assert.doesNotMatch(ok(['ps', '-a', '--format', '{{.Names}}']).stdout, /tty-rm/);
    // Killed from outside (pid 1 ignores signals sent from inside): 128 + 9.
    const id = ok(['run', '-dt', 'ctest/cmd', 'sleep', '300']).stdout.trim();
    ok(['kill', id]);
    await until('the container to exit', () => inspect(id, '{{.State.Status}}') === 'exited');
    assert.equal(inspect(id, '{{.State.ExitCode}}'), '137');
    ok(['rm', id]);
  });

  it('run -t without -i: the terminal gets no input (docker keeps stdin closed to the container)', async () => {
    await images();
    const r = berth(root, ['run', '-t', 'ctest/cmd', 'sh', '-c', 'read -t 1 x; echo "read:$?:$x"'], { input: 'not for the container\n' });
    assert.equal(r.stdout, 'read:1:\r\n', describe(r));
  });

  it('run -t proxies no signals, as docker turns its sig-proxy off with a tty: berth ends, the container runs on', async () => {
    await images();
    const fg = berthAsync(root, ['run', '-t', '--name', 'tty-sig', 'ctest/cmd', 'sh', '-c', 'trap "echo got-term" TERM; echo up; while :; do sleep 0.1; done']);
    await until('the container to start', () => berth(root, ['logs', 'tty-sig']).stdout.includes('up'));
    process.kill(fg.pid, 'SIGTERM');
    const ended = await fg.done;
    assert.notEqual(ended.code, 0, describe(ended));
    assert.equal(inspect('tty-sig', '{{.State.Running}}'), 'true');
    assert.doesNotMatch(ok(['logs', 'tty-sig']).stdout, /got-term/);
    ok(['rm', '-f', 'tty-sig']);
  });

  it('run -dt: the supervisor keeps the terminal; logs show its output with \\r\\n; inspect has Config.Tty; resize; exec -t; nothing left after rm', async () => {
    await images();
    const script = 'echo hello; printf "prompt> "; trap "stty size; exit 9" WINCH; while :; do sleep 0.1; done';
    const id = ok(['run', '-dt', '--name', 'tty-d', 'ctest/cmd', 'sh', '-c', script]).stdout.trim();
    // A prompt without a newline reaches the log at once (what an attached `run -it` reads).
    await until('the prompt in the logs', () => ok(['logs', 'tty-d']).stdout === 'hello\r\nprompt> ');
    assert.equal(inspect('tty-d', '{{.Config.Tty}} {{.Config.OpenStdin}}'), 'true false');
    const entries = readFileSync(path.join(root, 'containers', id, `${id}-json.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stream: string });
    assert.ok(entries.every((e) => e.stream === 'stdout'), 'a terminal is one stream, logged as stdout');

    // exec -t gets a terminal of its own (the container's is /dev/pts/0), TERM=xterm, and its exit code.
    const ex = berth(root, ['exec', '-t', 'tty-d', 'sh', '-c', 'tty; echo "TERM=$TERM"; test -t 0 && echo in; echo err >&2; exit 5']);
    assert.equal(ex.code, 5, describe(ex));
    assert.equal(ex.stdout, '/dev/pts/1\r\nTERM=xterm\r\nin\r\nerr\r\n');
    assert.equal(ex.stderr, '');

    // A resize of the caller's terminal reaches the container's (SIGWINCH, new size).
    await resizeContainer(root, id, 50, 150);
    await until('the container to exit', () => inspect('tty-d', '{{.State.Status}}') === 'exited');
    assert.equal(inspect('tty-d', '{{.State.ExitCode}}'), '9');
    assert.equal(ok(['logs', 'tty-d']).stdout, 'hello\r\nprompt> 50 150\r\n');
    ok(['rm', 'tty-d']);
    assert.deepEqual(leftovers(root, id), []);
  });

  it('exec -t in a container without a terminal, and exec -t of a command that cannot run', async () => {
    await images();
    const id = ok(['run', '-d', '--name', 'plain-d', 'ctest/cmd', 'sleep', '300']).stdout.trim();
    const ex = berth(root, ['exec', '-t', '-u', 'alice', '-w', '/tmp', '-e', 'X=1', 'plain-d', 'sh', '-c', 'tty; id -un; pwd; echo "$X $TERM"']);
    assert.equal(ex.code, 0, describe(ex));
    assert.equal(ex.stdout, '/dev/pts/0\r\nalice\r\n/tmp\r\n1 xterm\r\n');
    const missing = berth(root, ['exec', '-t', 'plain-d', 'no-such-command']);
    assert.equal(missing.code, 127, describe(missing));
    assert.match(missing.stderr, /no-such-command/);
    ok(['rm', '-f', 'plain-d']);
    assert.deepEqual(leftovers(root, id), []);
  });

  it('run -it and exec -it refuse input that is not a terminal, as the docker CLI (exit 1); -dit is fine', async () => {
    await images();
    const run = berth(root, ['run', '-it', 'ctest/cmd', 'true']);
    assert.equal(run.code, 1, describe(run));
    assert.match(run.stderr, /^berth run: the input device is not a TTY$/m);
    assert.doesNotMatch(ok(['ps', '-a', '--no-trunc', '--format', '{{.Command}}']).stdout, /^"true"$/m, 'no container was created');
    const id = ok(['run', '-dit', '--name', 'tty-dit', 'ctest/cmd', 'sh']).stdout.trim();
    assert.equal(inspect('tty-dit', '{{.Config.Tty}} {{.Config.OpenStdin}} {{.State.Running}}'), 'true true true');
    const exec = berth(root, ['exec', '-it', 'tty-dit', 'true']);
    assert.equal(exec.code, 1, describe(exec));
    assert.match(exec.stderr, /^berth exec: the input device is not a TTY$/m);
    ok(['rm', '-f', 'tty-dit']);
    assert.deepEqual(leftovers(root, id), []);
  });

  it('run -it and exec -it from a real terminal: keys go through raw, the size is the caller\'s and follows it, the terminal is restored', async (t) => {
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('script(1) (util-linux/bsdutils) is not installed');
    await images();
    // The containers touch files in a bound directory when they are ready; the typist and the resizer wait for those.
    const marks = mkdtempSync(path.join(work, 'marks-'));
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(berthBin())} --root ${JSON.stringify(root)}`;
    const wait = (mark: string): string => `until [ -e ${marks}/${mark} ]; do sleep 0.1; done`;
    ok(['run', '-d', '--name', 'tty-keep', '-v', `${marks}:/m`, 'ctest/cmd', 'sleep', '300']);
    const inner = [
      'stty rows 30 cols 90',
      `${cli} run -it --name tty-it -v ${marks}:/m ctest/cmd sh -c 'stty size; touch /m/run; read x; echo "got:$x"; exit 4'`,
      'echo "run=$?"',
      `${cli} exec -it tty-keep sh -c 'stty size; touch /m/exec; read x; echo "exec-got:$x"'`,
      'echo "exec=$?"',
      // A background job of a non-interactive shell shares the terminal's foreground group, so it gets SIGWINCH.
      `${cli} run -it --rm -v ${marks}:/m ctest/cmd sh -c 'trap "stty size; exit 6" WINCH; touch /m/winch; while :; do sleep 0.1; done' </dev/tty & ${wait('winch')}; stty rows 20 cols 100; wait $!`,
      'echo "winch=$?"',
      'stty -a | grep -o -- "-*icanon"',
      'stty -a | grep -o -- "-*opost"',
      `touch ${marks}/done`,
    ].join('; ');
    // A raw terminal sends the keys as they are (\r, not \n); stdin stays open until the session is over.
    const typist = `${wait('run')}; printf 'abc\\r'; ${wait('exec')}; printf 'def\\r'; ${wait('done')}`;
    const session = spawnSync('sh', ['-c', `(${typist}) | script -qec '${inner.replaceAll("'", "'\\''")}' /dev/null`], { encoding: 'utf8', timeout: 180_000 });
    // Raw output as docker's: the container's terminal already ends lines with \r\n, berth's adds nothing.
    assert.doesNotMatch(session.stdout, /\r\r\n/);
    const out = session.stdout.replaceAll('\r', '');
    assert.match(out, /^30 90$/m, out);
    assert.match(out, /^got:abc$/m, out);
    assert.match(out, /^run=4$/m, out);
    assert.match(out, /^exec-got:def$/m, out);
    assert.match(out, /^exec=0$/m, out);
    assert.match(out, /^20 100$/m, `the new size reached the container\n${out}`);
    assert.match(out, /^winch=6$/m, out);
    assert.match(out, /^icanon$/m, `the terminal is back in canonical mode\n${out}`);
    assert.match(out, /^opost$/m, `the terminal processes output again\n${out}`);
    ok(['rm', '-f', 'tty-it', 'tty-keep']);
  });

  it('-p with --network host: docker\'s warning, ports ignored; with --network none: ignored without a word', async () => {
    await images();
    const host = ok(['run', '--rm', '-p', '18081:80', '--network', 'host', 'ctest/cmd', 'echo', 'hi']);
    assert.equal(host.stdout, 'hi\n');
    assert.equal(host.stderr, 'WARNING: Published ports are discarded when using host network mode\n');
    const none = ok(['run', '--rm', '-p', '18082:80', '--network', 'none', 'ctest/cmd', 'echo', 'hi']);
    assert.equal(none.stderr, '');
  });
});

const dockerd = useDockerd({
  setup: async (engine: DockerEngine) => {
    if (skip) return;
    await images();
    const archive = path.join(work, 'images.tar');
    ok(['save', '-o', archive, ...Object.keys(IMAGES)]);
    engine.docker(['load', '-i', archive]);
  },
});

const DOCKER_CASES: Array<{ name: string; flags?: string[]; cmd: string[] }> = [
  { name: 'tty, test -t and TERM', cmd: ['sh', '-c', 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-ttys; echo "TERM=$TERM"'] },
  { name: 'stderr merged, exit code', cmd: ['sh', '-c', 'echo out; echo err >&2; printf "no newline"; exit 3'] },
  { name: 'no input without -i', cmd: ['sh', '-c', 'read -t 1 x; echo "read:$?:$x"'] },
  { name: 'killed by a signal', cmd: ['sh', '-c', 'echo bye; kill -KILL $$'] },
  { name: 'stty of a fresh terminal', cmd: ['sh', '-c', 'stty -a | grep -o -- "-*\\(icanon\\|echo\\|onlcr\\|isig\\) " | tr -d "\\n"'] },
  { name: '-it without a terminal is refused', flags: ['-i'], cmd: ['true'] },
];

suite('berth run -t and exec -t match docker', { skip, concurrency: 1 }, () => {
  for (const c of DOCKER_CASES) {
    it(c.name, (t) => {
      const engine = dockerd.need(t);
      if (!engine) return;
      const args = ['run', '--rm', '-t', ...(c.flags ?? []), 'ctest/cmd', ...c.cmd];
      const ours = berth(root, args, { input: 'typed\n' });
      let theirs = engine.run(['run', '--network', 'none', ...args.slice(1)], 'typed\n');
      for (let i = 0; i < 2 && /failed to create shim task/.test(theirs.stderr); i++) theirs = engine.run(['run', '--network', 'none', ...args.slice(1)], 'typed\n');
      const shown = `berth: ${describe(ours)}\ndocker: exit ${theirs.status}\n--- stdout\n${theirs.stdout}--- stderr\n${theirs.stderr}`;
      assert.equal(ours.code, theirs.status, `exit codes differ\n${shown}`);
      assert.equal(ours.stdout, theirs.stdout, `output differs\n${shown}`);
      if (theirs.stderr.includes('the input device is not a TTY')) assert.match(ours.stderr, /the input device is not a TTY/, shown);
    });
  }

  it('exec -t', (t) => {
    const engine = dockerd.need(t);
    if (!engine) return;
    const cmd = ['sh', '-c', 'tty; echo "TERM=$TERM"; test -t 0 && echo in-tty; echo err >&2; exit 5'];
    ok(['run', '-d', '--name', 'exec-cmp', 'ctest/cmd', 'sleep', '300']);
    engine.docker(['run', '-d', '--network', 'none', '--name', 'exec-cmp', 'ctest/cmd', 'sleep', '300']);
    const ours = berth(root, ['exec', '-t', 'exec-cmp', ...cmd]);
    const theirs = engine.run(['exec', '-t', 'exec-cmp', ...cmd]);
    ok(['rm', '-f', 'exec-cmp']);
    engine.docker(['rm', '-f', 'exec-cmp']);
    const shown = `berth: ${describe(ours)}\ndocker: exit ${theirs.status}\n--- stdout\n${theirs.stdout}--- stderr\n${theirs.stderr}`;
    assert.equal(ours.code, theirs.status, `exit codes differ\n${shown}`);
    assert.equal(ours.stdout, theirs.stdout, `output differs\n${shown}`);
  });
});
