// The raw GET client that blob downloads use (bodies read into a few reused receive buffers),
// against node's own HTTP and HTTPS servers on loopback: whole bodies with a slow consumer (over
// TLS too, where reads go on while the socket is paused), keep-alive reuse and a stale pooled
// connection, interim responses, error bodies as streams, framings it leaves to undici, and the
// failures the transport turns into retries: a stalled body, a cut connection, an abort.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChunkedDecoder } from '../../src/registry/chunked-body.ts';
import { RawClient, type RawResponse } from '../../src/registry/raw-get.ts';

const BODY = randomBytes(6 << 20);
const CHUNKED = BODY.subarray(0, 2 << 20);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const work = mkdtempSync(path.join(tmpdir(), 'berth-raw-get-'));
after(() => rmSync(work, { recursive: true, force: true }));

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function routes(): Handler {
  let visits = 0;
  return (req, res) => {
    switch (req.url) {
      case '/blob': res.writeHead(200, { 'content-length': BODY.length }).end(BODY); return;
      case '/chunked':
        // Small chunks: one socket read holds many of them, each a view of the same receive slot.
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let off = 0; off < CHUNKED.length; off += 3000) res.write(CHUNKED.subarray(off, off + 3000));
        res.end();
        return;
      case '/until-close': req.socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nthe body ends when the server closes'); return;
      case '/hints': res.writeEarlyHints({ link: '</x>; rel=preload' }); res.writeHead(200, { 'content-length': 2 }).end('ok'); return;
      case '/missing': res.writeHead(404, { 'content-type': 'application/json', 'content-length': 40 }).end('{"errors":[{"code":"BLOB_UNKNOWN"}]}    '); return;
      case '/stall': res.writeHead(200, { 'content-length': 1000 }); res.write('x'.repeat(10)); return; // never ends
      case '/cut': res.writeHead(200, { 'content-length': 100_000 }); res.write(Buffer.alloc(50_000)); setTimeout(() => req.socket.destroy(), 20); return;
      case '/drop-second':
        // The second request on a kept-alive connection finds it closed by the server.
        if (++visits === 2) { req.socket.destroy(); return; }
        res.writeHead(200, { 'content-length': 5 }).end('fresh');
        return;
      default: res.writeHead(500).end();
    }
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Reads the body as a slow consumer would: a pause after every chunk, during which its memory must stay intact. */
async function slowRead(res: RawResponse): Promise<Buffer> {
  const hash = createHash('sha256');
  let n = 0;
  for await (const chunk of res.chunks()) {
    const before = sha(chunk);
    if (n++ % 8 === 0) await sleep(2);
    else await new Promise((r) => setImmediate(r));
    assert.equal(sha(chunk), before, 'a chunk changed while its reader held it');
    hash.update(chunk);
  }
  return Buffer.from(hash.digest('hex'));
}

function makeCert(): { key: string; cert: string } {
  const key = path.join(work, 'key.pem');
  const cert = path.join(work, 'cert.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

describe('raw GET over HTTP', () => {
  const server = createHttp(routes());
  let host = '';
  let connections = 0;
  server.on('connection', () => { connections++; });
  const client = new RawClient(async () => ({ ca: undefined, rejectUnauthorized: true }), 500);
  before(async () => { host = await listen(server); });
  after(() => { client.close(); server.closeAllConnections(); server.close(); });

  it('reads a whole body through reused buffers, keeps the connection and reuses it', async () => {
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const res = (await client.get(`http://${host}/blob`, { 'user-agent': 'test' }))!;
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-length'], String(BODY.length));
      assert.equal((await slowRead(res)).toString(), sha(BODY));
    }
    assert.equal(connections - before, 1, 'one connection for three requests');
  });

  it('sends again on a new connection when the kept-alive one was closed by the server', async () => {
    const first = (await client.get(`http://${host}/drop-second`, {}))!;
    assert.equal((await collectCopies(first)).toString(), 'fresh');
    const second = (await client.get(`http://${host}/drop-second`, {}))!;
    assert.equal((await collectCopies(second)).toString(), 'fresh');
  });

  it('skips interim responses, gives error bodies as a stream, reads chunked and close-delimited bodies', async () => {
    const hints = (await client.get(`http://${host}/hints`, {}))!;
    assert.equal(hints.status, 200);
    assert.equal((await collectCopies(hints)).toString(), 'ok');
    const missing = (await client.get(`http://${host}/missing`, {}))!;
    assert.equal(missing.status, 404);
    const parts: Buffer[] = [];
    for await (const c of missing.body) parts.push(c as Buffer);
    assert.match(Buffer.concat(parts).toString(), /BLOB_UNKNOWN/);
    const chunked = (await client.get(`http://${host}/chunked`, {}))!;
    assert.equal((await slowRead(chunked)).toString(), sha(CHUNKED));
    const untilClose = (await client.get(`http://${host}/until-close`, {}))!;
    assert.equal((await collectCopies(untilClose)).toString(), 'the body ends when the server closes');
  });

  it('fails a stalled body with the idle timeout, a cut connection as a socket error, an abort with its reason', async () => {
    const stall = (await client.get(`http://${host}/stall`, {}))!;
    await assert.rejects(collectCopies(stall), (e: NodeJS.ErrnoException) => e.code === 'UND_ERR_BODY_TIMEOUT');
    const cut = (await client.get(`http://${host}/cut`, {}))!;
    await assert.rejects(collectCopies(cut), (e: NodeJS.ErrnoException) => e.code === 'UND_ERR_SOCKET');
    const ctl = new AbortController();
    const aborted = (await client.get(`http://${host}/blob`, {}, ctl.signal))!;
    const reading = (async () => { for await (const _ of aborted.chunks()) ctl.abort(new Error('stop here')); })();
    await assert.rejects(reading, /stop here/);
    await assert.rejects(client.get(`http://${host}/blob`, {}, ctl.signal), /stop here/);
  });

  it('keeps the connection after a body read as a stream, and after dropping a body that is all in', async () => {
    const before = connections;
    const streamed = (await client.get(`http://${host}/hints`, {}))!;
    const parts: Buffer[] = [];
    for await (const c of streamed.body) parts.push(c as Buffer);
    assert.equal(Buffer.concat(parts).toString(), 'ok');
    const dropped = (await client.get(`http://${host}/hints`, {}))!;
    dropped.body.destroy(); // its 2 bytes came with the head
    const last = (await client.get(`http://${host}/hints`, {}))!;
    assert.equal((await collectCopies(last)).toString(), 'ok');
    assert.equal(connections - before, 1, 'one connection for the three');
  });

  it('a reader that stops early closes the connection; the next request gets a new one', async () => {
    const res = (await client.get(`http://${host}/blob`, {}))!;
    for await (const _ of res.chunks()) break;
    const before = connections;
    const again = (await client.get(`http://${host}/blob`, {}))!;
    assert.equal((await slowRead(again)).toString(), sha(BODY));
    assert.equal(connections - before, 1);
  });
});

describe('raw GET over HTTPS', () => {
  const { key, cert } = makeCert();
  const server = createHttps({ key, cert }, routes());
  let host = '';
  before(async () => { host = await listen(server); });
  after(() => { server.closeAllConnections(); server.close(); });

  it('reads a whole body intact with a slow reader (TLS goes on reading while paused)', async () => {
    const client = new RawClient(async () => ({ ca: [cert], rejectUnauthorized: true }), 2000);
    try {
      for (let i = 0; i < 2; i++) {
        const res = (await client.get(`https://${host}/blob`, {}))!;
        assert.equal((await slowRead(res)).toString(), sha(BODY));
      }
    } finally {
      client.close();
    }
  });

  it('refuses a certificate its CAs do not vouch for', async () => {
    const client = new RawClient(async () => ({ ca: undefined, rejectUnauthorized: true }), 2000);
    try {
      await assert.rejects(client.get(`https://${host}/blob`, {}), (e: NodeJS.ErrnoException) => /SELF_SIGNED|certificate/i.test(`${e.code} ${e.message}`));
    } finally {
      client.close();
    }
  });
});

async function collectCopies(res: RawResponse): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of res.chunks()) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('chunked transfer coding', () => {
  const wire = Buffer.from('5;ext=1\r\nhello\r\n1A\r\n' + 'x'.repeat(26) + '\r\n0\r\nX-Trailer: t\r\n\r\n');

  it('decodes whatever the split, stops at the end and says how much it used', () => {
    for (let split = 0; split <= wire.length; split++) {
      const d = new ChunkedDecoder();
      const out: Buffer[] = [];
      const take = (b: Buffer): void => { out.push(Buffer.from(b)); };
      assert.equal(d.push(wire.subarray(0, split), take), split);
      const rest = Buffer.concat([wire.subarray(split), Buffer.from('NEXT')]);
      assert.equal(d.push(rest, take), rest.length - 4, `split at ${split}`);
      assert.ok(d.done);
      assert.equal(Buffer.concat(out).toString(), `hello${'x'.repeat(26)}`);
    }
  });

  it('refuses a bad size line and a chunk without its CRLF', () => {
    assert.throws(() => new ChunkedDecoder().push(Buffer.from('zz\r\n'), () => undefined), /bad chunk size/);
    assert.throws(() => new ChunkedDecoder().push(Buffer.from('2\r\nabXY\r\n'), () => undefined), /no CRLF after a chunk/);
  });
});
