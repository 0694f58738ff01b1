// `RUN --mount=type=ssh`: a socket of berth's own, bound into the step, that relays the SSH agent
// protocol to the user's agent (`berth build --ssh default|ID=SOCKET`). The socket gets the mount's
// mode and owner without touching the user's real socket, and it only lets a step list keys and
// sign with them: requests that add, remove or lock keys are answered with a failure, as BuildKit's
// forwarded agent is read-only.
import { chmod, chown, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import path from 'node:path';
import { tempName } from '../../util/atomic-file.ts';
import { makeDirs } from '../../util/make-dirs.ts';

/** SSH_AGENTC_REQUEST_IDENTITIES, SSH_AGENTC_SIGN_REQUEST, SSH_AGENTC_EXTENSION (draft-miller-ssh-agent). */
const ALLOWED = new Set([11, 13, 27]);
const SSH_AGENT_FAILURE = Buffer.from([0, 0, 0, 1, 5]);
/** OpenSSH's own limit on one agent message. */
const MAX_MESSAGE = 256 * 1024;

/** Splits a byte stream into agent messages (uint32 length, then that many bytes). */
class Frames {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] | 'too-large' {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len > MAX_MESSAGE) return 'too-large';
      if (this.buf.length < 4 + len) break;
      out.push(this.buf.subarray(0, 4 + len));
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }
}

/** One client connection: its requests go to the agent one at a time, each answered before the next. */
function relay(client: Socket, agentSocket: string): void {
  const agent = createConnection(agentSocket);
  const fromClient = new Frames();
  const fromAgent = new Frames();
  const queue: Buffer[] = [];
  let waiting = false;
  const close = (): void => { client.destroy(); agent.destroy(); };
  const pump = (): void => {
    while (!waiting && queue.length > 0) {
      const msg = queue.shift()!;
      if (msg.length > 4 && ALLOWED.has(msg[4]!)) {
        waiting = true;
        agent.write(msg);
      } else {
        client.write(SSH_AGENT_FAILURE);
      }
    }
  };
  client.on('data', (chunk: Buffer) => {
    const frames = fromClient.push(chunk);
    if (frames === 'too-large') return close();
    queue.push(...frames);
    pump();
  });
  agent.on('data', (chunk: Buffer) => {
    const frames = fromAgent.push(chunk);
    if (frames === 'too-large') return close();
    for (const f of frames) {
      client.write(f);
      waiting = false;
    }
    pump();
  });
  client.on('error', close).on('close', close);
  agent.on('error', close).on('close', close);
}

export interface SshProxy {
  /** The host path of the socket to bind into the container. */
  socket: string;
  close(): Promise<void>;
}

export async function startSshProxy(tmpDir: string, agentSocket: string, opts: { mode: number; uid: number; gid: number }): Promise<SshProxy> {
  const dir = tempName(tmpDir, 'ssh');
  await makeDirs(dir, 0o700);
  const socket = path.join(dir, 'agent.sock');
  const clients = new Set<Socket>();
  const server = createServer((c) => {
    clients.add(c);
    c.once('close', () => clients.delete(c));
    relay(c, agentSocket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => resolve());
    });
    await chmod(socket, opts.mode);
    await chown(socket, opts.uid, opts.gid);
  } catch (e) {
    server.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    socket,
    async close() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
