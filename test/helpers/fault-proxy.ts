// A scriptable fault-injecting HTTP proxy between a registry client and a real registry: plain
// HTTP on a free loopback port (so docker's rules let clients use it without TLS), forwarding to
// the registry over HTTP or HTTPS. Rules pick requests by method and path and break them.
//
//   const proxy = await startFaultProxy(reg);            // reg: a RegistryServer (registry-server.ts)
//   proxy.host                                           // '127.0.0.1:PORT': use `${proxy.host}/repo:tag`
//   proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, times: 2, action: { type: 'status', status: 503 } });
//   proxy.add({ method: 'GET', path: /\/blobs\//, action: { type: 'cut-response', fraction: 0.4 } });
//   proxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, action: { type: 'cut-request', fraction: 0.4 } });
//   proxy.requests    // every request seen: method, path, status answered, fault applied
//   proxy.clear()     // drop rules (and the request log with clear(true))
//   await proxy.stop()
//
// Actions: status (with headers/body; the request body is drained first), hang (never answer),
// delay (hold the request before forwarding), cut-request (drop the connection after a fraction of
// the request body reached the registry), cut-response (drop it after a fraction of the response
// body), flip-byte (one byte of the response body inverted), truncate (a shorter body with a
// matching Content-Length), stall-response (headers and part of the body, then silence),
// ignore-range (the Range header is dropped on the way, so the answer is the whole body: a
// server without Range support).
// Each rule applies to `times` matching requests (default 1) after letting `skip` pass (default 0).
// Runs in the test's process: drive clients through async APIs or spawn (never spawnSync).
import { request as httpRequest, createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';

export type FaultAction =
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { type: 'hang' }
  | { type: 'delay'; ms: number }
  | { type: 'cut-request'; fraction: number }
  | { type: 'cut-response'; fraction: number }
  | { type: 'flip-byte'; fraction?: number }
  | { type: 'truncate'; fraction: number }
  | { type: 'stall-response'; fraction: number }
  | { type: 'ignore-range' };

export interface FaultRule {
  method?: string;
  path: RegExp;
  /** Matching requests to let through untouched first (default 0). */
  skip?: number;
  /** Matching requests to break after that (default 1; Infinity for all). */
  times?: number;
  action: FaultAction;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Status answered (or forwarded); undefined when the connection was cut or hung first. */
  status: number | undefined;
  /** The fault applied, if any. */
  fault: FaultAction['type'] | undefined;
  /** Authorization scheme the client sent ('Basic', 'Bearer'), never the value. */
  auth: string | undefined;
}

export interface FaultProxy {
  readonly host: string;
  readonly url: string;
  readonly requests: ProxiedRequest[];
  add(rule: FaultRule): void;
  clear(requestsToo?: boolean): void;
  /** How many times rules were applied, by action type. */
  applied(type?: FaultAction['type']): number;
  stop(): Promise<void>;
}

interface LiveRule extends FaultRule { seen: number; used: number }

/** The upstream the proxy forwards to (a RegistryServer fits). */
export interface Upstream {
  url: string;
  caFile?: string | undefined;
}

class Proxy implements FaultProxy {
  host = '';
  url = '';
  readonly requests: ProxiedRequest[] = [];
  private rules: LiveRule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly upstream: URL;
  private readonly agent: HttpsAgent | undefined;
  readonly server: Server;

  constructor(upstream: Upstream) {
    this.upstream = new URL(upstream.url);
    if (this.upstream.protocol === 'https:') this.agent = new HttpsAgent({ ca: upstream.caFile ? readFileSync(upstream.caFile) : undefined, keepAlive: true });
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, used: 0 });
  }

  clear(requestsToo = false): void {
    this.rules = [];
    if (requestsToo) this.requests.length = 0;
  }

  applied(type?: FaultAction['type']): number {
    return this.requests.filter((r) => r.fault !== undefined && (type === undefined || r.fault === type)).length;
  }

  private pick(method: string, path: string): FaultAction | undefined {
    for (const rule of this.rules) {
      if ((rule.method !== undefined && rule.method !== method) || !rule.path.test(path)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0) || rule.used >= (rule.times ?? 1)) continue;
      rule.used++;
      return rule.action;
    }
    return undefined;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const action = this.pick(req.method ?? 'GET', path);
    const record: ProxiedRequest = { method: req.method ?? 'GET', path, status: undefined, fault: action?.type, auth: req.headers.authorization?.split(' ')[0] };
    this.requests.push(record);
    res.on('finish', () => { record.status ??= res.statusCode; });
    if (action?.type === 'status') {
      req.resume();
      req.once('end', () => {
        record.status = action.status;
        res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
        res.end(action.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${action.status}` }] }));
      });
      return;
    }
    if (action?.type === 'hang') {
      req.resume(); // read the request, never answer
      return;
    }
    if (action?.type === 'delay') {
      req.pause();
      setTimeout(() => this.forward(req, res, record, undefined), action.ms);
      return;
    }
    this.forward(req, res, record, action);
  }

  private forward(req: IncomingMessage, res: ServerResponse, record: ProxiedRequest, action: FaultAction | undefined): void {
    const headers: OutgoingHttpHeaders = { ...req.headers, 'x-forwarded-proto': 'http', 'x-forwarded-host': this.host };
    if (action?.type === 'ignore-range') delete headers.range;
    const options = { method: req.method, path: req.url, headers, hostname: this.upstream.hostname, port: this.upstream.port, agent: this.agent };
    const up = this.upstream.protocol === 'https:' ? httpsRequest(options) : httpRequest(options);
    const cut = (): void => {
      up.destroy();
      req.socket.destroy();
    };
    up.on('error', () => cut());
    req.on('error', () => up.destroy());
    res.once('close', () => { if (!res.writableFinished) up.destroy(); });
    up.on('response', (upRes) => this.respond(upRes, res, record, action, cut));
    if (action?.type === 'cut-request') {
      const total = Number(req.headers['content-length'] ?? NaN);
      const limit = Number.isFinite(total) ? Math.floor(total * action.fraction) : 64 * 1024;
      let sent = 0;
      req.on('data', (chunk: Buffer) => {
        if (sent >= limit) return;
        const part = chunk.subarray(0, limit - sent);
        sent += part.length;
        up.write(part);
        if (sent >= limit) setImmediate(cut);
      });
      req.on('end', () => { if (sent < limit) up.end(); });
      return;
    }
    req.pipe(up);
    req.resume();
  }

  private respond(upRes: IncomingMessage, res: ServerResponse, record: ProxiedRequest, action: FaultAction | undefined, cut: () => void): void {
    record.status = upRes.statusCode;
    const headers: OutgoingHttpHeaders = { ...upRes.headers };
    const location = upRes.headers.location;
    // Absolute upload locations name whatever host the registry thinks it is: point them back here.
    if (location && location.startsWith(this.upstream.origin)) headers.location = this.url + location.slice(this.upstream.origin.length);
    const total = Number(upRes.headers['content-length'] ?? NaN);
    const bodyAction = action && ['cut-response', 'flip-byte', 'truncate', 'stall-response'].includes(action.type) ? action : undefined;
    if (!bodyAction || !Number.isFinite(total) || total === 0) {
      res.writeHead(upRes.statusCode ?? 502, headers);
      upRes.pipe(res);
      return;
    }
    const fraction = 'fraction' in bodyAction && bodyAction.fraction !== undefined ? bodyAction.fraction : 0.5;
    const at = Math.min(total - 1, Math.floor(total * fraction));
    if (bodyAction.type === 'truncate') headers['content-length'] = String(at);
    res.writeHead(upRes.statusCode ?? 502, headers);
    if (at <= 0 && bodyAction.type !== 'flip-byte') {
      // Nothing of the body gets through (a one-byte body, or a resumed tail that small).
      upRes.destroy();
      if (bodyAction.type === 'truncate') res.end();
      else if (bodyAction.type === 'cut-response') setImmediate(cut);
      else res.flushHeaders();
      return;
    }
    let offset = 0;
    upRes.on('data', (chunk: Buffer) => {
      const start = offset;
      offset += chunk.length;
      if (start >= at && bodyAction.type !== 'flip-byte') return;
      if (bodyAction.type === 'flip-byte') {
        if (at >= start && at < offset) {
          chunk = Buffer.from(chunk);
          chunk[at - start] = chunk[at - start]! ^ 0xff;
        }
        res.write(chunk);
        return;
      }
      const part = offset > at ? chunk.subarray(0, at - start) : chunk;
      res.write(part);
      if (offset >= at) {
        if (bodyAction.type === 'cut-response') setImmediate(cut);
        else if (bodyAction.type === 'truncate') res.end();
        else upRes.destroy(); // stall-response: keep the client's connection open and silent
      }
    });
    upRes.on('end', () => { if (bodyAction.type === 'flip-byte') res.end(); });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.agent?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts a proxy to `upstream` on a free loopback port. */
export async function startFaultProxy(upstream: Upstream): Promise<FaultProxy> {
  const proxy = new Proxy(upstream);
  await new Promise<void>((resolve, reject) => {
    proxy.server.once('error', reject);
    proxy.server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.host = `127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
  proxy.url = `http://${proxy.host}`;
  return proxy;
}
