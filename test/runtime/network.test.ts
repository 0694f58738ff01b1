// Network modes from inside: none has only loopback, host shares the host's interfaces, the isolated default reaches the Debian mirror through slirp4netns.

import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RuntimeEvent } from '../../src/runtime/index.ts';
import type { BerthError } from '../../src/util/errors.ts';
import { assertNothingLeft, makeFixture, removeFixture, run, runcUnavailable, type Fixture } from './helpers.ts';

const skip = runcUnavailable();

function interfaces(procNetDev: string): string[] {
  // "  eth0: 1234 5 ..." lines only (not the headers, not `ip` output).
  return procNetDev
    .split('\n')
    .filter((l) => /^\s*[\w.@-]+:\s+\d/.test(l))
    .map((l) => l.split(':')[0]!.trim())
    .sort();
}

/** Whether the host itself can resolve the mirror; without that, the isolated test has nothing to prove. */
async function mirrorResolves(): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000).unref());
  return Promise.race([lookup('deb.debian.org').then(() => true, () => false), timeout]);
}

describe('network modes', { skip }, () => {
  let fx: Fixture;
  let server: Server;
  let port: number;
  before(async () => {
    fx = await makeFixture('net');
    // A service on the host's loopback: reachable with --network host, never from an isolated container.
    server = createServer((s) => s.end('HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhost-only'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.close();
    try {
      await assertNothingLeft(fx);
    } finally {
      await removeFixture(fx);
    }
  });

  it('none: only the loopback interface, and it is up', async () => {
    const r = await run(fx, 'cat /proc/net/dev; ip -o link show lo', { network: 'none' });
    assert.deepEqual(interfaces(r.stdout), ['lo']);
    assert.match(r.stdout, /lo: <LOOPBACK,UP/);
  });

  it("host: the host's interfaces and its loopback services", async () => {
    const r = await run(fx, `cat /proc/net/dev; timeout 5 wget -q -O- http://127.0.0.1:${port}/`, { network: 'host' });
    assert.deepEqual(interfaces(r.stdout.replace(/host-only$/, '')), interfaces(await readFile('/proc/net/dev', 'utf8')));
    assert.ok(r.stdout.endsWith('host-only'), r.stderr);
  });

  it('isolated: tap0 via slirp4netns, DNS at 10.0.2.3, the Debian mirror reachable, the host loopback not', async (t) => {
    if (!(await mirrorResolves())) {
      t.skip('deb.debian.org does not resolve on this host (no DNS or network)');
      return;
    }
    const events: RuntimeEvent[] = [];
    const r = await run(
      fx,
      [
        'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " " | sort | tr "\\n" " "; echo',
        'ip -o -4 addr show tap0 | grep -o "inet [0-9./]*"',
        'cat /etc/resolv.conf | grep nameserver',
        'timeout 20 wget -q -O- http://deb.debian.org/debian/dists/bookworm/Release | head -c 100 | head -n 1',
        `timeout 5 wget -q -O- http://10.0.2.2:${port}/ || echo host-loopback-refused`,
      ].join('; '),
      { network: 'isolated' },
      { onEvent: (e) => events.push(e) },
    );
    assert.equal(r.stdout, 'lo tap0 \ninet 10.0.2.100/24\nnameserver 10.0.2.3\nOrigin: Debian\nhost-loopback-refused\n', r.stderr);
    assert.deepEqual(events.map((e) => e.type), ['network-ready', 'exited']);
  });

  it('isolated without slirp4netns: a clear error, or loopback only when the fallback is asked for', async () => {
    await assert.rejects(
      run(fx, 'true', { network: 'isolated' }, { slirp4netnsPath: '/nonexistent/slirp4netns' }),
      (e: BerthError) => e.code === 'MISSING_DEPENDENCY' && /slirp4netns/.test(e.message) && /apt-get install slirp4netns/.test(e.hint ?? ''),
    );
    const events: RuntimeEvent[] = [];
    const r = await run(fx, 'cat /proc/net/dev; cat /etc/resolv.conf', { network: 'isolated' }, {
      slirp4netnsPath: '/nonexistent/slirp4netns',
      networkFallback: 'none',
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(interfaces(r.stdout.split('\n').slice(0, 3).join('\n')), ['lo']);
    assert.equal(events[0]?.type, 'network-fallback');
  });
});
