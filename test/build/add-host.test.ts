// `--add-host`: the entries in the /etc/hosts of a RUN step (after the sandbox's own line, as BuildKit
// writes them) and of a `berth run` container (before its own line, as docker writes them), host-gateway
// as the host's external address (loopback on the host's network), IPs in canonical form, the RUN step's cache key, and docker's flag errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAddHost } from '../../src/api/add-host.ts';
import { berth as runBerth } from '../container/helpers.ts';
import { runcUnavailable } from '../runtime/helpers.ts';
import { berth, build, step } from './e2e-helpers.ts';
import { assertBuilt as ok, Workspace } from './fixture-builds.ts';

const BASE = 'addhost/busybox:1';
/** docker's fixed lines, spelled out here rather than taken from the code under test. */
const DEFAULTS = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'ff00::0\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters'];
const FLAGS = ['--add-host', 'db:10.1.2.3', '--add-host', 'six=[2001:DB8:0:0::1]', '--add-host', 'gw:host-gateway'];
const EXTRA = ['10.1.2.3\tdb', '2001:db8::1\tsix', 'HOST\tgw'];
/** Where host-gateway may point through slirp4netns: one of the host's own external IPv4 addresses. */
const EXTERNAL = Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal).map((a) => a!.address);

/** `hosts` with its host-gateway address (checked to be the host's) written as HOST. */
function gatewayChecked(hosts: string): string {
  const m = /^(\S+)\tgw$/m.exec(hosts);
  assert.ok(m, `no gw line in:\n${hosts}`);
  assert.ok(EXTERNAL.length ? EXTERNAL.includes(m[1]!) : m[1] === '10.0.2.2', `host-gateway is ${m[1]}, not an external address of the host (${EXTERNAL.join(', ')})`);
  return hosts.replace(m[0], 'HOST\tgw');
}

describe('--add-host', { skip: runcUnavailable(), concurrency: false }, () => {
  let ws: Workspace;
  let ctx: string;
  before(async () => {
    ws = await Workspace.create('addhost', BASE);
    ctx = await ws.context(`FROM ${BASE}\nRUN cat /etc/hosts > /hosts.txt\n`);
  });
  after(() => ws?.dispose());

  it('adds the entries to a RUN step\'s /etc/hosts, after the sandbox\'s own line as BuildKit does', async () => {
    ok(await build(ws.root, ['-t', 'addhost/built:1', ...FLAGS, ctx]));
    const hosts = readFileSync(path.join(await ws.rootfs('addhost/built:1'), 'hosts.txt'), 'utf8');
    assert.equal(gatewayChecked(hosts), [...DEFAULTS, '10.0.2.100\tbuildkitsandbox', ...EXTRA, ''].join('\n'));
  });

  it('is part of the RUN step\'s cache key', async () => {
    const plain = await build(ws.root, ['-t', 'addhost/key:0', ctx]);
    ok(plain);
    assert.equal(step(plain, 'RUN').cached, false, 'no --add-host is another step than with it');
    assert.equal(readFileSync(path.join(await ws.rootfs('addhost/key:0'), 'hosts.txt'), 'utf8'), [...DEFAULTS, '10.0.2.100\tbuildkitsandbox', ''].join('\n'));
    const same = await build(ws.root, ['-t', 'addhost/key:1', ...FLAGS, ctx]);
    ok(same);
    assert.equal(step(same, 'RUN').cached, true, same.stderr);
    const other = await build(ws.root, ['-t', 'addhost/key:2', '--add-host', 'db:10.1.2.4', ctx]);
    ok(other);
    assert.equal(step(other, 'RUN').cached, false, other.stderr);
  });

  it('adds the entries to a `berth run` container\'s /etc/hosts, before its own line as docker does', () => {
    const r = runBerth(ws.root, ['run', '--rm', '--hostname', 'box', ...FLAGS, BASE, 'cat', '/etc/hosts']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(gatewayChecked(r.stdout), [...DEFAULTS, ...EXTRA, '10.0.2.100\tbox', ''].join('\n'));
    const host = runBerth(ws.root, ['run', '--rm', '--network', 'host', '--hostname', 'box', '--add-host', 'gw:host-gateway', BASE, 'tail', '-n', '2', '/etc/hosts']);
    assert.equal(host.code, 0, host.stderr);
    assert.equal(host.stdout, '127.0.0.1\tgw\n127.0.1.1\tbox\n', 'on the host\'s network the host is loopback');
  });

  it('a malformed value fails as docker\'s flag does, before anything runs', async () => {
    for (const verb of [['build', ctx], ['run', '--rm', BASE, 'true']]) {
      const bad = await berth(ws.root, [verb[0]!, '--add-host', 'nocolon', ...verb.slice(1)]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /invalid argument "nocolon" for "--add-host" flag: bad format for add-host: "nocolon"/);
      const ip = await berth(ws.root, [verb[0]!, '--add-host', 'x:1.2.3', ...verb.slice(1)]);
      assert.notEqual(ip.code, 0);
      assert.match(ip.stderr, /invalid argument "x:1\.2\.3" for "--add-host" flag: invalid IP address in add-host: "1\.2\.3"/);
      for (const b of [bad, ip]) assert.doesNotMatch(b.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal((await berth(ws.root, ['ps', '-aq'])).stdout, '', 'no container was created');
  });
});

describe('--add-host values (docker CLI\'s ValidateExtraHost)', () => {
  it('takes host:ip and host=ip, IPv6 bare or in brackets, in Go\'s canonical form', () => {
    assert.deepEqual(parseAddHost('a:1.2.3.4'), { host: 'a', ip: '1.2.3.4' });
    assert.deepEqual(parseAddHost('a=::1'), { host: 'a', ip: '::1' });
    assert.deepEqual(parseAddHost('a:::1'), { host: 'a', ip: '::1' }, 'split on the first colon');
    assert.deepEqual(parseAddHost('a:2001:DB8:0:0::1'), { host: 'a', ip: '2001:db8::1' });
    assert.deepEqual(parseAddHost('a=[1.2.3.4]'), { host: 'a', ip: '1.2.3.4' });
    assert.deepEqual(parseAddHost('a:[::FFFF:1.2.3.4]'), { host: 'a', ip: '1.2.3.4' }, 'Go prints an IPv4-mapped address as IPv4');
    assert.deepEqual(parseAddHost('a:host-gateway'), { host: 'a', ip: 'host-gateway' });
  });

  it('refuses what docker refuses, with its message', () => {
    for (const bad of ['a', ':1.2.3.4', '=1.2.3.4', '']) {
      assert.throws(() => parseAddHost(bad), { message: `invalid argument "${bad}" for "--add-host" flag: bad format for add-host: "${bad}"` });
    }
    for (const [value, ip] of [['a:b:c', 'b:c'], ['a:1.2.3.04', '1.2.3.04'], ['a:fe80::1%eth0', 'fe80::1%eth0'], ['a:', ''], ['a:[]', '[]']]) {
      assert.throws(() => parseAddHost(value!), { message: `invalid argument "${value}" for "--add-host" flag: invalid IP address in add-host: "${ip}"` });
    }
  });
});
