// `berth run` against `docker run` on one table of cases: the same images (berth save → docker load), the same flags, the
// same output and exit code expected. ENTRYPOINT/CMD composition, env, user, workdir, exit codes, signals, --rm, isolation.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe as suite, it } from 'node:test';
import { useDockerd, type DockerEngine } from '../helpers/dockerd.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, describe, IMAGES, importImages } from './helpers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-run-diff-'));
const root = path.join(work, 'store');
const envFile = path.join(work, 'vars.env');
writeFileSync(envFile, '# a comment\nFROM_FILE=file value\n\nSHARED=from-file\n');
after(() => rmSync(work, { recursive: true, force: true }));

const dockerd = useDockerd({
  setup: async (engine: DockerEngine) => {
    if (runcUnavailable()) return;
    await importImages(root, work);
    const archive = path.join(work, 'images.tar');
    const saved = berth(root, ['save', '-o', archive, ...Object.keys(IMAGES)]);
    assert.equal(saved.code, 0, describe(saved));
    engine.docker(['load', '-i', archive]);
  },
});

interface Case {
  name: string;
  /** run's flags, before the image. */
  flags?: string[];
  image: string;
  cmd?: string[];
  input?: string;
  /** Compare stdout too (false: only the exit code, e.g. when only the error message differs). */
  stdout?: boolean;
}

const CASES: Case[] = [
  { name: 'exec-form CMD', image: 'ctest/cmd' },
  { name: 'arguments replace CMD', image: 'ctest/cmd', cmd: ['echo', 'replaced'] },
  { name: 'ENTRYPOINT with CMD as its arguments', image: 'ctest/ep' },
  { name: 'arguments replace CMD after ENTRYPOINT', image: 'ctest/ep', cmd: ['x', 'y z'] },
  { name: 'shell-form ENTRYPOINT gets CMD as $0', image: 'ctest/ep-shell' },
  { name: 'shell-form ENTRYPOINT gets arguments as $0 "$@"', image: 'ctest/ep-shell', cmd: ['a', 'b'] },
  { name: '--entrypoint resets CMD', flags: ['--entrypoint', 'echo'], image: 'ctest/ep' },
  { name: '--entrypoint with arguments', flags: ['--entrypoint', 'echo'], image: 'ctest/ep', cmd: ['only', 'these'] },
  { name: '--entrypoint "" runs the arguments', flags: ['--entrypoint', ''], image: 'ctest/ep', cmd: ['echo', 'no entrypoint'] },
  { name: 'no command at all', flags: ['--entrypoint', ''], image: 'ctest/cmd', stdout: false },
  { name: 'an image without CMD', image: 'ctest/plain', stdout: false },
  { name: 'image ENV, WORKDIR and USER', image: 'ctest/cfg' },
  { name: '-e overrides and adds', flags: ['-e', 'FOO=changed', '-e', 'NEW=1'], image: 'ctest/cfg', cmd: ['sh', '-c', 'echo "$FOO $NEW $GREETING"'] },
  { name: '-e NAME takes the host value, unset ones vanish', flags: ['-e', 'BERTH_TEST_HOST_VAR', '-e', 'BERTH_TEST_UNSET'], image: 'ctest/cmd', cmd: ['sh', '-c', 'echo "[$BERTH_TEST_HOST_VAR]"; env | grep -c BERTH_TEST_UNSET'] },
  { name: '--env-file, then -e over it', flags: ['--env-file', envFile, '-e', 'SHARED=from-flag'], image: 'ctest/cmd', cmd: ['sh', '-c', 'echo "$FROM_FILE|$SHARED"'] },
  { name: 'the environment a process sees', image: 'ctest/cfg', cmd: ['sh', '-c', 'env | grep -v ^HOSTNAME= | sort'] },
  { name: 'HOME of root and of a user', image: 'ctest/cmd', cmd: ['sh', '-c', 'echo $HOME; su -s /bin/sh alice -c "echo \\$HOME" 2>/dev/null || true'] },
  { name: '-w sets (and creates) the working directory', flags: ['-w', '/made/by/run'], image: 'ctest/cmd', cmd: ['sh', '-c', 'pwd; ls -ld /made/by/run | cut -c1-10'] },
  { name: '-u by uid', flags: ['-u', '1001'], image: 'ctest/cfg', cmd: ['id'] },
  { name: '-u name:group', flags: ['-u', 'bob:devs'], image: 'ctest/cfg', cmd: ['id'] },
  { name: '-u uid:gid unknown to the image', flags: ['-u', '4321:8765'], image: 'ctest/cmd', cmd: ['id'] },
  { name: '-u root over the image USER', flags: ['-u', 'root'], image: 'ctest/cfg', cmd: ['id'] },
  { name: 'exit code passes through', image: 'ctest/cmd', cmd: ['sh', '-c', 'echo before; exit 42'] },
  { name: 'a command not found is 127', image: 'ctest/cmd', cmd: ['no-such-command'], stdout: false },
  { name: 'a command that cannot be executed is 126', image: 'ctest/cmd', cmd: ['/etc/passwd'], stdout: false },
  { name: 'a process killed by a signal', image: 'ctest/cmd', cmd: ['sh', '-c', 'sh -c "kill -9 \\$\\$"; echo "child: $?"; sleep 0; exec sh -c "kill -TERM \\$\\$; sleep 5"'] },
  { name: 'stderr and stdout', image: 'ctest/cmd', cmd: ['sh', '-c', 'echo out; echo err >&2'] },
  { name: '-i passes stdin', flags: ['-i'], image: 'ctest/cmd', cmd: ['sh', '-c', 'tr a-z A-Z; echo done'], input: 'some input\n' },
  { name: 'without -i stdin is empty', image: 'ctest/cmd', cmd: ['sh', '-c', 'cat; echo end'], input: 'ignored\n' },
  { name: '--rm', flags: ['--rm'], image: 'ctest/cmd', cmd: ['echo', 'removed after'] },
  // (The shell's own pid under an init is not compared: runc's set-up takes a varying number of pids first.)
  { name: '--init runs docker-init as pid 1', flags: ['--init'], image: 'ctest/cmd', cmd: ['sh', '-c', 'cat /proc/1/comm; cat /proc/1/cmdline | tr "\\0" " "'] },
  { name: 'pid 1 without --init', image: 'ctest/cmd', cmd: ['sh', '-c', 'echo $$'] },
  { name: 'hostname is the 12-digit short ID', image: 'ctest/cmd', cmd: ['sh', '-c', 'hostname | wc -c; cat /etc/hostname | wc -c'] },
  { name: 'capabilities', image: 'ctest/cmd', cmd: ['sh', '-c', 'grep ^Cap /proc/self/status'] },
  { name: 'capabilities of a user', flags: ['-u', 'alice'], image: 'ctest/cmd', cmd: ['sh', '-c', 'grep ^Cap /proc/self/status'] },
  { name: 'masked and read-only paths', image: 'ctest/cmd', cmd: ['sh', '-c', 'cat /proc/kcore | wc -c; echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo ro; ls /sys/firmware | wc -l'] },
  { name: 'mounts of /dev', image: 'ctest/cmd', cmd: ['sh', '-c', 'ls /dev | sort | tr "\\n" " "'] },
  { name: 'a last line without a newline', image: 'ctest/cmd', cmd: ['sh', '-c', 'printf "no newline"; printf " on stderr" >&2'] },
];

suite('berth run matches docker run', { concurrency: 1 }, () => {
  before(() => {
    process.env.BERTH_TEST_HOST_VAR = 'from the host';
  });
  for (const c of CASES) {
    it(c.name, (t) => {
      const skip = runcUnavailable();
      if (skip) return t.skip(skip);
      const engine = dockerd.need(t);
      if (!engine) return;
      const args = ['run', ...(c.flags ?? []), c.image, ...(c.cmd ?? [])];
      const env = { BERTH_TEST_HOST_VAR: 'from the host' };
      const ours = berth(root, args, { ...(c.input !== undefined ? { input: c.input } : {}), env });
      // The private dockerd has no bridge: its containers get --network none (what they print is what is compared).
      let theirs = engine.run(['run', '--network', 'none', ...args.slice(1)], c.input ?? '', { env });
      // docker 20.10 under load now and then starts a container on a rootfs it has not finished
      // setting up ("exec: sh: executable file not found"): docker's side is retried, never berth's.
      for (let i = 0; i < 2 && theirs.status === 127 && /failed to create shim task/.test(theirs.stderr) && ours.code !== 127; i++) {
        theirs = engine.run(['run', '--network', 'none', ...args.slice(1)], c.input ?? '', { env });
      }
      const shown = `berth: ${describe(ours)}\ndocker: exit ${theirs.status}\n--- stdout\n${theirs.stdout}--- stderr\n${theirs.stderr}`;
      assert.equal(ours.code, theirs.status, `exit codes differ\n${shown}`);
      if (c.stdout !== false) assert.equal(ours.stdout, theirs.stdout, `output differs\n${shown}`);
      else assert.notEqual(ours.stderr, '', `berth said nothing about the failure\n${shown}`);
    });
  }

  it('--rm leaves no container, as docker', (t) => {
    if (runcUnavailable() || !dockerd.need(t)) return;
    const ps = berth(root, ['ps', '-a', '--no-trunc', '--format', '{{.Command}}']);
    assert.equal(ps.code, 0, describe(ps));
    assert.doesNotMatch(ps.stdout, /removed after/);
    assert.match(ps.stdout, /from cmd/, 'containers without --rm stay');
  });
});
