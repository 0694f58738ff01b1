// The container lifecycle through the CLI, each call its own berth process: a detached web server on a published port,
// ps/logs/exec/stop/kill/start/rm/prune, STOPSIGNAL, signal forwarding, --rm, binds, rmi refusal, nothing left after rm.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe as suite, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, berthAsync, describe, importImages, leftovers, processesIn, record, until, type Ran } from './helpers.ts';

const skip = runcUnavailable();
const work = mkdtempSync(path.join(tmpdir(), 'berth-ctr-'));
const root = path.join(work, 'store');
after(() => {
  berth(root, ['rm', '-f', ...berth(root, ['ps', '-aq']).stdout.split('\n').filter(Boolean)]);
  rmSync(work, { recursive: true, force: true });
});

function ok(args: string[], input?: string): Ran {
  const r = berth(root, args, input !== undefined ? { input } : {});
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${describe(r)}`);
  return r;
}

function fetchText(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

async function fetchWhenUp(port: number): Promise<{ status: number; body: string }> {
  for (let i = 0; ; i++) {
    try {
      return await fetchText(port);
    } catch (e) {
      if (i > 300) throw e; // the server inside may take a moment to listen
      await delay(100);
    }
  }
}

const status = (name: string): string => ok(['ps', '-a', '--format', '{{.Names}}\t{{.Status}}']).stdout
  .split('\n').find((l) => l.startsWith(`${name}\t`))?.split('\t')[1] ?? '';

suite('container lifecycle', { concurrency: 1, skip }, () => {
  before(async () => {
    await importImages(root, work);
  });

  it('a detached web server answers on its published port; ps, logs, exec, stop and rm as docker', async () => {
    const port = 18000 + (process.pid % 2000);
    const id = ok(['run', '-d', '-p', `${port}:80`, '--name', 'web', 'ctest/web']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const page = await fetchWhenUp(port);
    assert.equal(page.status, 200);
    assert.equal(page.body, '<h1>served by berth</h1>\n');

    // Another berth process sees it, with docker's columns.
    const ps = ok(['ps']).stdout.split('\n');
    assert.match(ps[0]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    const row = ps.find((l) => l.startsWith(id.slice(0, 12)));
    assert.ok(row, ps.join('\n'));
    assert.match(row, new RegExp(`^${id.slice(0, 12)}\\s+ctest/web\\s+"httpd -f -v -p 80 -…"\\s+.+ ago\\s+Up .+\\s+0\\.0\\.0\\.0:${port}->80/tcp\\s+web$`));
    assert.deepEqual(ok(['ps', '-q']).stdout, `${id.slice(0, 12)}\n`);
    assert.deepEqual(ok(['ps', '-q', '--no-trunc']).stdout, `${id}\n`);
    assert.equal(ok(['container', 'inspect', '--format', '{{.Name}} {{.State.Status}} {{.Config.Hostname}}', 'web']).stdout, `/web running ${id.slice(0, 12)}\n`);

    // httpd -v logs each request to stderr; logs keeps the streams apart.
    const logs = await until('the request in the logs', () => { const r = ok(['logs', 'web']); return /response:200/.test(r.stderr) && r; });
    assert.equal(logs.stdout, '');
    const stamped = ok(['logs', '--tail', '1', '-t', id.slice(0, 6)]).stderr;
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \[.*\]:\d+: response:200\n$/);

    // exec: the container's namespaces, user, workdir, env, exit codes.
    assert.equal(ok(['exec', 'web', 'cat', '/proc/1/comm']).stdout, 'httpd\n');
    assert.equal(ok(['exec', '-u', 'nobody', 'web', 'id', '-u']).stdout, '65534\n');
    assert.equal(ok(['exec', '-w', '/www', '-e', 'X=from exec', 'web', 'sh', '-c', 'pwd; echo $X']).stdout, '/www\nfrom exec\n');
    assert.equal(ok(['exec', '-i', 'web', 'cat'], 'piped in\n').stdout, 'piped in\n');
    assert.equal(berth(root, ['exec', 'web', 'sh', '-c', 'exit 3']).code, 3);
    assert.equal(berth(root, ['exec', 'web', 'no-such-command']).code, 127);

    // Refusals while it runs.
    const rm = berth(root, ['rm', 'web']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, new RegExp(`You cannot remove a running container ${id}\\. Stop the container before attempting removal or force remove`));
    const rmi = berth(root, ['rmi', 'ctest/web']);
    assert.equal(rmi.code, 1);
    assert.match(rmi.stderr, new RegExp(`conflict: unable to remove repository reference "ctest/web" \\(must force\\) - container ${id.slice(0, 12)} is using its referenced image [0-9a-f]{12}`));
    const rmiForced = berth(root, ['rmi', '-f', 'ctest/web']);
    assert.equal(rmiForced.code, 1);
    assert.match(rmiForced.stderr, /\(cannot be forced\) - image is being used by running container/);

    const pid = record(root, id).State.Pid;
    assert.ok(pid > 0);
    const inode = readlinkSync(`/proc/${pid}/ns/net`);
    assert.notEqual(inode, readlinkSync('/proc/self/ns/net'));
    const netns = { inode, pids: processesIn(inode) };
    assert.ok(netns.pids.includes(pid));

    // httpd as pid 1 ignores SIGTERM: stop sends SIGKILL once -t runs out, as docker does.
    assert.equal(ok(['stop', '-t', '1', 'web']).stdout, 'web\n');
    assert.match(status('web'), /^Exited \(137\) .* ago$/);
    await assert.rejects(fetchText(port));

    assert.equal(ok(['rm', 'web']).stdout, 'web\n');
    assert.deepEqual(leftovers(root, id, netns), []);
    assert.equal(ok(['ps', '-a', '-q']).stdout, '');
  });

  it('-P and -p CONTAINER publish on free host ports', async () => {
    const id = ok(['run', '-d', '-P', 'ctest/web']).stdout.trim();
    const id2 = ok(['run', '-d', '-p', '127.0.0.1::80', 'ctest/web']).stdout.trim();
    const ports = ok(['ps', '--no-trunc', '--format', '{{.ID}} {{.Ports}}']).stdout;
    const all = Number(new RegExp(`^${id} 0\\.0\\.0\\.0:(\\d+)->80/tcp$`, 'm').exec(ports)?.[1]);
    const one = Number(new RegExp(`^${id2} 127\\.0\\.0\\.1:(\\d+)->80/tcp$`, 'm').exec(ports)?.[1]);
    assert.ok(all > 0 && one > 0 && all !== one, ports);
    assert.equal((await fetchWhenUp(all)).status, 200);
    assert.equal((await fetchWhenUp(one)).status, 200);
    assert.equal(ok(['rm', '-f', id, id2.slice(0, 12)]).stdout, `${id}\n${id2.slice(0, 12)}\n`);
    assert.deepEqual([...leftovers(root, id), ...leftovers(root, id2)], []);
  });

  it('stop sends the image STOPSIGNAL; kill -s sends the given signal', async () => {
    ok(['run', '-d', '--name', 'sig', 'ctest/stopsig', 'sh', '-c', 'trap "echo got USR1; exit 5" USR1; echo ready; while true; do sleep 0.1; done']);
    await until('the trap to be set', () => ok(['logs', 'sig']).stdout.includes('ready'));
    ok(['stop', 'sig']);
    assert.match(status('sig'), /^Exited \(5\) /);
    assert.equal(ok(['logs', 'sig']).stdout, 'ready\ngot USR1\n');

    ok(['run', '-d', '--name', 'hup', 'ctest/cmd', 'sh', '-c', 'trap "echo got HUP; exit 9" HUP; echo ready; while true; do sleep 0.1; done']);
    await until('the trap to be set', () => ok(['logs', 'hup']).stdout.includes('ready'));
    assert.equal(ok(['kill', '-s', 'HUP', 'hup']).stdout, 'hup\n');
    await until('the exit', () => status('hup').startsWith('Exited'));
    assert.match(status('hup'), /^Exited \(9\) /);
    const again = berth(root, ['kill', 'hup']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Cannot kill container: hup: Container [0-9a-f]{64} is not running/);
  });

  it('a foreground run forwards SIGTERM and exits with the container code', async () => {
    const fg = berthAsync(root, ['run', '--name', 'fg', 'ctest/cmd', 'sh', '-c', 'trap "echo term; exit 3" TERM; echo ready; while true; do sleep 0.1; done']);
    await until('the container to be ready', () => existsSync(path.join(root, 'containers')) && berth(root, ['logs', 'fg']).stdout.includes('ready'));
    process.kill(fg.pid, 'SIGTERM');
    const r = await fg.done;
    assert.equal(r.code, 3, describe(r));
    assert.equal(r.stdout, 'ready\nterm\n');
  });

  it('start runs an exited container again with its filesystem kept', async () => {
    assert.equal(ok(['run', '--name', 'again', 'ctest/cmd', 'sh', '-c', 'echo x >> /count; wc -l < /count']).stdout, '1\n');
    assert.equal(ok(['start', 'again']).stdout, 'again\n');
    await until('the second run to end', () => status('again').startsWith('Exited'));
    assert.equal(ok(['logs', 'again']).stdout, '1\n2\n');
  });

  it('a container whose supervisor was killed shows as exited, starts again, and rm leaves nothing', async () => {
    const id = ok(['run', '-d', '--name', 'orphan', 'ctest/cmd', 'sh', '-c', 'echo run >> /runs; while true; do sleep 0.1; done']).stdout.trim();
    const supervisor = (): number => (record(root, id) as unknown as { Berth: { supervisorPid: number } }).Berth.supervisorPid;
    process.kill(supervisor(), 'SIGKILL');
    await until('ps to notice', () => status('orphan').startsWith('Exited (255)'));
    assert.equal(ok(['start', 'orphan']).stdout, 'orphan\n');
    assert.match(status('orphan'), /^Up /);
    assert.equal(ok(['exec', 'orphan', 'cat', '/runs']).stdout, 'run\nrun\n');
    process.kill(supervisor(), 'SIGKILL');
    await until('ps to notice', () => status('orphan').startsWith('Exited (255)'));
    assert.equal(ok(['rm', 'orphan']).stdout, 'orphan\n');
    assert.deepEqual(leftovers(root, id), []);
  });

  it('a detached --rm container removes itself when it ends', async () => {
    const id = ok(['run', '-d', '--rm', 'ctest/cmd', 'sh', '-c', 'echo bye']).stdout.trim();
    await until('its removal', () => !ok(['ps', '-a', '-q', '--no-trunc']).stdout.includes(id));
    assert.deepEqual(leftovers(root, id), []);
  });

  it('a command that cannot start: 127, the error printed once (not again from the runtime), --rm removes it', () => {
    const before = ok(['ps', '-a', '-q', '--no-trunc']).stdout;
    const r = berth(root, ['run', '--rm', 'ctest/cmd', '/no-such-command']);
    assert.equal(r.code, 127);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /^berth: Error response from daemon: .*exec: "\/no-such-command": stat \/no-such-command: no such file or directory\.\n$/);
    assert.equal(ok(['ps', '-a', '-q', '--no-trunc']).stdout, before);
  });

  it('-v binds a host directory, :ro read-only', () => {
    const data = path.join(work, 'data');
    mkdirSync(data);
    ok(['run', '--rm', '-v', `${data}:/data`, 'ctest/cmd', 'sh', '-c', 'echo written > /data/f']);
    assert.equal(readFileSync(path.join(data, 'f'), 'utf8'), 'written\n');
    const ro = berth(root, ['run', '--rm', '-v', `${data}:/data:ro`, 'ctest/cmd', 'sh', '-c', 'cat /data/f; echo more > /data/f']);
    assert.equal(ro.code, 1);
    assert.equal(ro.stdout, 'written\n');
    assert.match(ro.stderr, /Read-only file system/);
  });

  it('names are unique; names and flags berth lacks are refused by name', () => {
    ok(['run', '--name', 'dup', 'ctest/cmd']);
    const r = berth(root, ['run', '--name', 'dup', 'ctest/cmd']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /Conflict\. The container name "\/dup" is already in use by container "[0-9a-f]{64}"/);
    const priv = berth(root, ['run', '--privileged', 'ctest/cmd']);
    assert.match(priv.stderr, /--privileged is not supported yet/);
    const random = ok(['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean);
    assert.ok(random.every((n) => /^[a-z]+_[a-z]+\d?$|^(sig|hup|fg|again|dup)$/.test(n)), random.join(' '));
  });

  it('ps --filter/-n/-l, run --label/--label-file and inspect of a container, as docker', () => {
    const labels = path.join(work, 'labels');
    writeFileSync(labels, '# a comment\nfrom=file\nover=file\n\n');
    const a = ok(['run', '--name', 'fa', '--label', 'tier=web', '-l', 'over=flag', '-l', 'bare', '--label-file', labels, 'ctest/cmd']);
    assert.equal(a.stdout, 'from cmd\n');
    assert.equal(berth(root, ['run', '--name', 'fb', 'ctest/plain', 'sh', '-c', 'exit 3']).code, 3);
    ok(['run', '--name', 'fc', '-l', 'tier=db', 'ctest/cmd']);
    const names = (...args: string[]): string => ok(['ps', ...args, '--format', '{{.Names}}']).stdout.split('\n').filter((n) => /^f[abc]$/.test(n)).join(' ');
    assert.deepEqual(JSON.parse(ok(['inspect', '--format', '{{json .Config.Labels}}', 'fa']).stdout), { from: 'file', over: 'flag', tier: 'web', bare: '' });
    assert.equal(ok(['inspect', '--format', '{{.Name}} {{.State.ExitCode}}', 'fb']).stdout, '/fb 3\n');
    assert.equal(names('-f', 'status=exited'), 'fc fb fa', 'status= shows stopped containers without -a');
    assert.equal(names(), '');
    assert.equal(names('-a', '-f', 'exited=3'), 'fb');
    assert.equal(names('-a', '-f', 'exited=0', '-f', 'name=^/f[ab]$'), 'fa');
    assert.equal(names('-a', '-f', 'name=fc', '-f', 'name=fb'), 'fc fb', 'values of one key are alternatives');
    assert.equal(names('-a', '-f', 'label=tier'), 'fc fa');
    assert.equal(names('-a', '-f', 'label=tier=web', '-f', 'label=bare'), 'fa', 'label= filters all apply');
    assert.equal(names('-a', '-f', 'ancestor=ctest/plain'), 'fb');
    assert.equal(names('-a', '-f', 'since=fa'), 'fc fb');
    assert.equal(names('-a', '-f', 'before=fb'), 'fa');
    assert.equal(names('-l'), 'fc');
    assert.equal(names('-n', '2'), 'fc fb');
    const refused = (args: string[], message: RegExp): void => {
      const r = berth(root, ['ps', ...args]);
      assert.equal(r.code, 1, describe(r));
      assert.match(r.stderr, message);
    };
    refused(['-f', 'status=sleeping'], /invalid filter 'status=sleeping'/);
    refused(['-f', 'volume=x'], /invalid filter 'volume'/);
    refused(['-f', 'name=('], /not a regular expression/);
    refused(['-f', 'since=nosuch'], /No such container: nosuch/);
    refused(['-f', 'ancestor=nosuch:1'], /No such image: nosuch:1/);
    const both = berth(root, ['inspect', '--format', '{{.Name}}', 'nosuch', 'fa']);
    assert.equal(both.code, 1);
    assert.equal(both.stdout, '/fa\n');
    assert.match(both.stderr, /No such object: nosuch/);
    assert.equal(berth(root, ['inspect', '--type', 'image', 'fa']).code, 1);
    assert.match(ok(['inspect', '--type', 'image', '--format', '{{.Id}}', 'ctest/cmd']).stdout, /^sha256:[0-9a-f]{64}\n$/);
    ok(['rm', 'fa', 'fb', 'fc']);
  });

  it('container prune removes every stopped container; then rmi works', () => {
    const before = ok(['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean);
    assert.ok(before.length > 0);
    const r = ok(['container', 'prune', '-f']);
    assert.match(r.stdout, /^Deleted Containers:\n/);
    for (const id of before) {
      assert.ok(r.stdout.includes(`${id}\n`));
      assert.deepEqual(leftovers(root, id), []);
    }
    assert.equal(ok(['ps', '-a', '-q']).stdout, '');
    assert.match(ok(['rmi', 'ctest/web']).stdout, /Untagged: ctest\/web:latest/);
  });
});
