// The createRuntime hook that hands berth a container's init pid after runc made its namespaces and before the step starts, so networking is set up in between.
//
// Why a hook and not `runc create` + `runc start`: after `create` the container's init is no longer
// a child of anything berth waits on, so its exit status would be lost without a subreaper (the
// role containerd-shim and conmon play). `runc run` stays berth's child and exits with the step's
// status; the hook pauses it at the one moment networking needs.

import { createServer, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BerthError } from '../util/errors.ts';
import type { RuntimeHook } from './runtime-spec.ts';

/** Run by runc with the container state (JSON) on stdin: sends it to berth, exits 0 only when berth answers "ok". */
const HOOK_SCRIPT = `import { connect } from 'node:net';
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
let answer = '';
const socket = connect(process.argv[2]);
socket.setEncoding('utf8');
socket.on('data', (d) => { answer += d; });
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(answer.startsWith('ok') ? 0 : 1));
socket.end(Buffer.concat(chunks));
`;

/** Linux's sun_path is 108 bytes including the NUL. */
const MAX_SOCKET_PATH = 107;

export interface PidHandoff {
  /** The hook to put in config.json's hooks.createRuntime. */
  hook: RuntimeHook;
  /** The container's init pid, once runc reaches the hook. */
  pid: Promise<number>;
  /** Lets runc go on (true) or fails the hook so runc abandons the container (false). */
  release(ok: boolean): void;
  /** Stops listening; a pid not received by then rejects. */
  close(): Promise<void>;
}

/** Listens on `<bundle>/hook.sock` and writes the hook script next to it. */
export async function listenForContainerPid(bundle: string, timeoutSeconds = 60): Promise<PidHandoff> {
  const socketPath = path.join(bundle, 'hook.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new BerthError('INVALID_ARGUMENT', `state directory path is too long for a unix socket: ${socketPath}`, {
      hint: 'use a shorter state root',
    });
  }
  const script = path.join(bundle, 'network-hook.mjs');
  await writeFile(script, HOOK_SCRIPT, { mode: 0o600 });

  let resolvePid!: (pid: number) => void;
  let rejectPid!: (e: Error) => void;
  const pid = new Promise<number>((resolve, reject) => {
    resolvePid = resolve;
    rejectPid = reject;
  });
  pid.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  let peer: Socket | undefined;
  let decision: boolean | undefined;
  const answer = (): void => {
    if (peer && decision !== undefined) peer.end(decision ? 'ok\n' : 'fail\n');
  };

  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (peer) {
      socket.destroy();
      return;
    }
    peer = socket;
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      try {
        const state = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { pid?: unknown };
        if (typeof state.pid !== 'number' || !Number.isInteger(state.pid) || state.pid <= 0) throw new Error('no pid in the container state');
        resolvePid(state.pid);
      } catch (e) {
        rejectPid(new BerthError('RUNTIME', `runc's hook sent an unusable container state: ${(e as Error).message}`));
      }
      answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });

  return {
    hook: { path: process.execPath, args: [process.execPath, script, socketPath], env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], timeout: timeoutSeconds },
    pid,
    release(ok) {
      decision ??= ok;
      answer();
    },
    async close() {
      rejectPid(new BerthError('RUNTIME', 'the container ended before its network could be set up'));
      peer?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
