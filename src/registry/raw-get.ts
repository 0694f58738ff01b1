// A bare HTTP/1.1 GET for blob downloads, whose body is read into a few receive buffers that are
// reused for the whole download (node's `onread`), instead of a fresh buffer per socket read plus
// the copies undici makes: on VMs where the first touch of a fresh page costs ~15-20 µs that was
// most of a pull's CPU time. Only what a GET needs: Content-Length, chunked or close-delimited
// bodies, keep-alive on an idle pool per origin, TLS with the transport's CAs, an idle timeout,
// abort. A response it cannot read (an upgrade) answers `undefined`, and the transport sends the
// request through undici instead. Redirects, auth and retries stay the transport's.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ChunkedDecoder } from './chunked-body.ts';

const SLOT_SIZE = 128 * 1024;
/** Body chunks read ahead of the consumer before the socket is paused. */
const MAX_AHEAD = 2;
const MAX_HEAD = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const PLAIN: RawTls = { ca: undefined, rejectUnauthorized: true };

export interface RawTls {
  /** CA certificates to trust (PEM); undefined: the system's. */
  ca: string[] | undefined;
  rejectUnauthorized: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** The body; each chunk's memory is reused once the next is asked for. Stopping early closes the connection. */
  chunks(): AsyncIterableIterator<Buffer>;
  /** The body as a stream of copies (error bodies, redirects); destroying it closes the connection. */
  readonly body: Readable;
}

/** A network failure with a code the transport classifies (the ones undici uses for the same cases). */
function netError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

interface Head {
  status: number;
  headers: Record<string, string | string[]>;
  keepAlive: boolean;
  /** How the body ends: after `length` bytes, at the last chunk, or when the server closes. */
  framing: { length: number } | 'chunked' | 'close';
}

/** The head of a final response; undefined for one this does not read (an upgrade). */
export function parseHead(text: string): Head | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) throw netError(`malformed HTTP status line ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`, 'UND_ERR_SOCKET');
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw netError(`malformed HTTP header line ${JSON.stringify(line.slice(0, 60))}`, 'UND_ERR_SOCKET');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const had = headers[name];
    headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  const status = Number(m[2]);
  const connection = String(headers.connection ?? '').toLowerCase();
  const keepAlive = m[1] === '1' ? connection !== 'close' : connection === 'keep-alive';
  if (status === 101) return undefined;
  if (status === 204 || status === 304) return { status, headers, keepAlive, framing: { length: 0 } };
  const te = headers['transfer-encoding'];
  if (te !== undefined) return String(te).toLowerCase() === 'chunked' ? { status, headers, keepAlive, framing: 'chunked' } : undefined;
  const cl = headers['content-length'];
  if (cl === undefined) return { status, headers, keepAlive: false, framing: 'close' };
  if (typeof cl !== 'string' || !/^\d{1,15}$/.test(cl)) throw netError(`bad Content-Length ${JSON.stringify(String(cl).slice(0, 40))}`, 'UND_ERR_SOCKET');
  return { status, headers, keepAlive, framing: { length: Number(cl) } };
}

type Waiter<T> = { resolve: (v: T) => void; reject: (e: Error) => void };

/** One connection: a request, its response head, then its body into rotating receive slots. */
class Connection {
  readonly socket: Socket;
  private readonly free: ArrayBufferLike[] = [];
  /** The receive slots' memory (a body chunk may also be a copy made from head bytes). */
  private readonly slots = new WeakSet<ArrayBufferLike>();
  /** Where the next read lands. */
  private slot = this.newSlot();
  /** Body chunks read and not yet taken (views into slots). */
  private readonly ready: Buffer[] = [];
  /** The chunk the consumer holds; its slot is free again when the consumer asks for the next. */
  private lent: Buffer | undefined;
  private head: Buffer | undefined;
  private phase: 'idle' | 'head' | 'body' | 'dead' = 'idle';
  /** Body bytes still to come (Content-Length framing). */
  private left = 0;
  private chunked: ChunkedDecoder | undefined;
  private untilClose = false;
  /** The whole body has been read (it may still sit in `ready`). */
  private complete = false;
  private keepAlive = false;
  private failure: Error | undefined;
  private waiting: Waiter<void> | undefined;
  private headWaiter: Waiter<Head | undefined> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly origin: URL, tls: RawTls, private readonly idleMs: number, private readonly release: (c: Connection) => void) {
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    const secure = origin.protocol === 'https:';
    const port = Number(origin.port || (secure ? 443 : 80));
    const onread = { buffer: () => this.nextSlot(), callback: (n: number, buf: Uint8Array) => this.onRead(n, buf) };
    // TLS sockets take `onread` like net's (it is passed to the socket under them), though typed only on net's.
    const tlsOptions: ConnectionOptions & { onread: typeof onread } = {
      host, port, ...(isIP(host) ? {} : { servername: host }), ...(tls.ca ? { ca: tls.ca } : {}),
      rejectUnauthorized: tls.rejectUnauthorized, ALPNProtocols: ['http/1.1'], onread,
    };
    this.socket = secure ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('error', (e) => this.fail(e));
    const closed = (): void => {
      // A complete body followed by the server's close is no failure; a close-delimited one ends so.
      if (this.phase === 'body' && (this.complete || this.untilClose)) {
        this.keepAlive = false;
        this.complete = true;
        this.wake();
      } else {
        this.fail(netError('other side closed', 'UND_ERR_SOCKET'));
      }
    };
    this.socket.on('end', closed);
    this.socket.on('close', closed);
    // One timer, re-armed at every read and every wait; it checks whether anyone is waiting.
    this.timer = setTimeout(() => this.timedOut(), idleMs).unref();
  }

  get usable(): boolean {
    return this.phase === 'idle' && !this.socket.destroyed;
  }

  /** Sends the request; resolves with the response head, or undefined for a body framing this does not read. */
  request(head: string): Promise<Head | undefined> {
    this.phase = 'head';
    const got = new Promise<Head | undefined>((resolve, reject) => { this.headWaiter = { resolve, reject }; });
    this.socket.write(head);
    this.timer.refresh();
    this.socket.resume();
    return got;
  }

  /** The next body chunk (valid until the following call), or null at the body's end. */
  async next(): Promise<Buffer | null> {
    const held = this.lent?.buffer;
    this.lent = undefined;
    // A slot is free once no chunk refers to it (a read may hold several pieces of a chunked body).
    if (held && this.slots.has(held) && held !== this.slot.buffer && !this.inUse(held)) this.free.push(held);
    for (;;) {
      const chunk = this.ready.shift();
      if (chunk) {
        this.lent = chunk;
        return chunk;
      }
      if (this.failure) throw this.failure;
      if (this.phase !== 'body') return null;
      if (this.complete) {
        this.ended();
        return null;
      }
      await new Promise<void>((resolve, reject) => {
        this.waiting = { resolve, reject };
        this.timer.refresh();
        this.socket.resume();
      });
    }
  }

  /** Drops the connection (an abort); a waiting reader fails with `reason`. */
  abort(reason: Error): void {
    this.fail(reason);
  }

  /** The reader wants no more of this body: the connection stays when all of it is in already (a ping's `{}`). */
  dropBody(): void {
    if (this.phase !== 'body' || !this.complete || this.failure) {
      this.fail(netError('the body was left unread', 'UND_ERR_CLOSED'));
      return;
    }
    this.ready.length = 0;
    this.lent = undefined;
    this.ended();
  }

  /** The body is read: back to the pool, or closed. */
  private ended(): void {
    this.phase = this.keepAlive ? 'idle' : 'dead';
    if (this.phase === 'idle') this.release(this);
    else this.close();
  }

  close(): void {
    this.phase = 'dead';
    clearTimeout(this.timer);
    this.socket.destroy();
  }

  private inUse(buffer: ArrayBufferLike): boolean {
    return this.lent?.buffer === buffer || this.ready.some((c) => c.buffer === buffer);
  }

  private nextSlot(): Buffer {
    // The slot just read into stays with its chunk; one that held only head bytes is used again.
    if (this.inUse(this.slot.buffer)) {
      let ab = this.free.pop();
      while (ab && this.inUse(ab)) ab = this.free.pop();
      this.slot = ab ? Buffer.from(ab) : this.newSlot();
    }
    return this.slot;
  }

  private newSlot(): Buffer {
    const slot = Buffer.from(new ArrayBuffer(SLOT_SIZE));
    this.slots.add(slot.buffer);
    return slot;
  }

  /** node calls this with the slot nextSlot() gave for this read, then asks nextSlot() for the next one. */
  private onRead(n: number, slot: Uint8Array): boolean {
    this.timer.refresh();
    const data = Buffer.from(slot.buffer, slot.byteOffset, n);
    try {
      if (this.phase === 'head') this.takeHead(data);
      else if (this.phase === 'body') this.takeBody(data);
      else throw netError('the registry sent bytes nobody asked for', 'UND_ERR_SOCKET');
    } catch (e) {
      this.fail(e as Error);
      return false;
    }
    // Keep reading while the head is incomplete or the consumer is not too far behind.
    return this.phase === 'head' || (this.phase === 'body' && !this.complete && this.ready.length < MAX_AHEAD);
  }

  private takeHead(data: Buffer): void {
    let head = this.head ? Buffer.concat([this.head, data]) : Buffer.from(data);
    for (;;) {
      const end = head.indexOf(HEAD_END);
      if (end === -1) {
        if (head.length > MAX_HEAD) throw netError(`the response head is larger than ${MAX_HEAD} bytes`, 'UND_ERR_SOCKET');
        this.head = head;
        return;
      }
      const text = head.subarray(0, end).toString('latin1');
      const rest = head.subarray(end + HEAD_END.length);
      const status = Number(text.slice(9, 12));
      if (status >= 100 && status < 200 && status !== 101) {
        head = rest; // an interim response (100, 103): the final one follows
        continue;
      }
      this.head = undefined;
      const parsed = parseHead(text);
      const waiter = this.headWaiter;
      this.headWaiter = undefined;
      if (!parsed) {
        this.close();
        waiter?.resolve(undefined);
        return;
      }
      this.phase = 'body';
      this.keepAlive = parsed.keepAlive;
      this.chunked = parsed.framing === 'chunked' ? new ChunkedDecoder() : undefined;
      this.untilClose = parsed.framing === 'close';
      this.left = typeof parsed.framing === 'object' ? parsed.framing.length : 0;
      this.complete = typeof parsed.framing === 'object' && this.left === 0;
      if (rest.length) this.takeBody(rest);
      waiter?.resolve(parsed);
      return;
    }
  }

  private takeBody(data: Buffer): void {
    let used = data.length;
    if (this.complete) {
      used = 0;
    } else if (this.chunked) {
      used = this.chunked.push(data, (piece) => { this.ready.push(piece); });
      this.complete = this.chunked.done;
    } else if (this.untilClose) {
      this.ready.push(data);
    } else {
      used = Math.min(data.length, this.left);
      if (used) this.ready.push(data.subarray(0, used));
      this.left -= used;
      this.complete = this.left === 0;
    }
    // Bytes after the body's end: nothing after them can be trusted on this connection.
    if (used < data.length) this.keepAlive = false;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve();
  }

  private timedOut(): void {
    if (this.phase === 'head') this.fail(netError(`no response for ${this.idleMs} ms`, 'UND_ERR_HEADERS_TIMEOUT'));
    else if (this.waiting) this.fail(netError(`no body data for ${this.idleMs} ms`, 'UND_ERR_BODY_TIMEOUT'));
  }

  private fail(e: Error): void {
    if (this.phase !== 'dead') this.failure ??= e;
    this.close();
    const w = this.waiting;
    const h = this.headWaiter;
    this.waiting = undefined;
    this.headWaiter = undefined;
    w?.reject(this.failure ?? e);
    h?.reject(this.failure ?? e);
  }
}

/** Raw GETs with an idle connection pool per origin. */
export class RawClient {
  private readonly idle = new Map<string, Connection[]>();

  constructor(private readonly tls: () => Promise<RawTls>, private readonly idleMs: number) {}

  /** GETs `url`; undefined when the response's framing is not one this reads (nothing of it was consumed). */
  async get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<RawResponse | undefined> {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    let text = `GET ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) {
      if (/[\r\n:]/.test(k) || /[\r\n]/.test(v)) throw new Error(`invalid request header ${JSON.stringify(k)}`);
      text += `${k}: ${v}\r\n`;
    }
    text += '\r\n';
    for (;;) {
      signal?.throwIfAborted();
      const pooled = this.take(u.origin);
      // The CAs are read only for a TLS connection.
      const conn = pooled ?? new Connection(u, u.protocol === 'https:' ? await this.tls() : PLAIN, this.idleMs, (c) => this.put(c));
      const onAbort = (): void => conn.abort(signal!.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      let head: Awaited<ReturnType<Connection['request']>>;
      try {
        head = await conn.request(text);
      } catch (e) {
        signal?.removeEventListener('abort', onAbort);
        // A kept-alive connection the server closed meanwhile: once more on a new one.
        if (pooled && !signal?.aborted) continue;
        throw e;
      }
      if (!head) {
        signal?.removeEventListener('abort', onAbort);
        return undefined;
      }
      return response(conn, head, () => signal?.removeEventListener('abort', onAbort));
    }
  }

  close(): void {
    for (const conns of this.idle.values()) for (const c of conns) c.close();
    this.idle.clear();
  }

  private take(origin: string): Connection | undefined {
    const conns = this.idle.get(origin) ?? [];
    for (let c = conns.pop(); c; c = conns.pop()) {
      if (c.usable) {
        c.socket.ref();
        return c;
      }
    }
    return undefined;
  }

  private put(c: Connection): void {
    // An idle connection does not keep the process alive.
    c.socket.unref();
    const conns = this.idle.get(c.origin.origin) ?? [];
    conns.push(c);
    this.idle.set(c.origin.origin, conns);
  }
}

function response(conn: Connection, head: Head, settled: () => void): RawResponse {
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    settled();
  };
  let body: Readable | undefined;
  return {
    status: head.status,
    headers: head.headers,
    async *chunks() {
      try {
        for (let c = await conn.next(); c; c = await conn.next()) yield c;
        finish();
      } finally {
        if (!finished) {
          finish();
          conn.dropBody();
        }
      }
    },
    get body(): Readable {
      body ??= new Readable({
        read() {
          // finish() before the end is pushed: the end destroys the stream, which must not drop the connection then.
          conn.next().then((c) => { if (!c) finish(); this.push(c ? Buffer.from(c) : null); }, (e: Error) => this.destroy(e));
        },
        destroy(err, cb) {
          if (!finished) {
            finish();
            conn.dropBody();
          }
          cb(err);
        },
      });
      return body;
    },
  };
}
