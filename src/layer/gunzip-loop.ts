// gunzip for bytes that are pushed chunk by chunk (a download as it arrives), run synchronously
// through node's own zlib binding into one output buffer that every call reuses. A zlib stream
// instead allocates a fresh output buffer per chunk and makes a thread-pool round trip per write;
// on VMs where the first touch of a fresh page costs ~15-20 µs, those pages were a large part of a
// pull's CPU time. Same zlib, same semantics as createGunzip(): concatenated members are read on,
// zero padding after the last member is ignored, anything else after it is an error, and a stream
// cut short fails at end() ("unexpected end of file").
import { constants, createGunzip, type Gunzip } from 'node:zlib';

/** The parts of node's zlib binding this drives (lib/zlib.js uses them the same way for *Sync). */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

interface GunzipInternals {
  _handle?: ZlibHandle;
  /** [availOutAfter, availInAfter] of the last write. */
  _writeState?: Uint32Array;
}

const OUT_SIZE = 128 * 1024;
const EMPTY = new Uint8Array(0);
/**
 * The output buffer all loops share: every write runs to completion synchronously and its
 * consumer is done with each piece before the next is produced, so one buffer serves them all
 * and its pages are touched once per process.
 */
let shared: Buffer | undefined;

/** The zlib failure as node's streams report it (message, errno, code such as Z_DATA_ERROR). */
function zlibError(message: string, errno: number, code: string | undefined): Error {
  return Object.assign(new Error(message), { errno, code: code ?? 'Z_DATA_ERROR' });
}

export class GunzipLoop {
  private readonly stream: Gunzip;
  private readonly handle: ZlibHandle;
  private readonly state: Uint32Array;
  private failure: Error | undefined;
  private closed = false;

  private constructor(stream: Gunzip, handle: ZlibHandle, state: Uint32Array) {
    this.stream = stream;
    this.handle = handle;
    this.state = state;
    handle.onerror = (message, errno, code) => { this.failure ??= zlibError(message, errno, code); };
  }

  /** A loop, or undefined where node's zlib binding does not look as expected (use createGunzip then). */
  static open(): GunzipLoop | undefined {
    const stream = createGunzip();
    const { _handle: handle, _writeState: state } = stream as unknown as GunzipInternals;
    if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array)) {
      stream.destroy();
      return undefined;
    }
    return new GunzipLoop(stream, handle, state);
  }

  /** Inflates `input`; `onPlain` gets each piece of output, valid only until it returns. Throws on corrupt data. */
  write(input: Uint8Array, onPlain: (plain: Buffer) => void): void {
    this.run(constants.Z_NO_FLUSH, input, onPlain);
  }

  /** No more input: throws if the gzip stream is incomplete. Closes the loop. */
  end(onPlain: (plain: Buffer) => void): void {
    try {
      this.run(constants.Z_FINISH, EMPTY, onPlain);
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
  }

  private run(flush: number, input: Uint8Array, onPlain: (plain: Buffer) => void): void {
    if (this.closed) throw new Error('gunzip loop used after close');
    if (this.failure) throw this.failure;
    const out = (shared ??= Buffer.allocUnsafeSlow(OUT_SIZE));
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      this.handle.writeSync(flush, input, inOff, inLen, out, 0, OUT_SIZE);
      if (this.failure) throw this.failure;
      const availOut = this.state[0]!;
      const availIn = this.state[1]!;
      if (availOut < OUT_SIZE) onPlain(out.subarray(0, OUT_SIZE - availOut));
      inOff += inLen - availIn;
      inLen = availIn;
      // A full output buffer means zlib may have more: go on. Otherwise it took what it could.
      if (availOut !== 0) return;
    }
  }
}
