// The OFD byte-range lock call of fs-native-extensions, loaded on first use. The package's own entry
// finds its prebuilt addon through a resolver of several packages (tens of milliseconds at every
// start of berth); for the pinned version the prebuild for this platform is loaded directly, with
// the package's entry as the fallback.
import { createRequire } from 'node:module';

export interface NativeLocks {
  waitForLock(fd: number, offset: number, length: number, opts: { shared?: boolean }): Promise<void>;
  /** False when another description holds a conflicting lock. */
  tryLock(fd: number, offset: number, length: number, opts: { shared?: boolean }): boolean;
}

/** The addon's own call: completion reaches `onwork`, called with `req` as `this`. */
interface Binding {
  tryLock(fd: number, offset: number, length: number, exclusive: boolean): void;
  waitForLock(fd: number, offset: number, length: number, exclusive: boolean, req: Request, onwork: (this: Request, err: Error | null) => void): unknown;
}

interface Request {
  handle: unknown;
  resolve: () => void;
  reject: (err: Error) => void;
}

function onwork(this: Request, err: Error | null): void {
  if (err) this.reject(err);
  else this.resolve();
}

function fromBinding(binding: Binding): NativeLocks {
  return {
    waitForLock: (fd, offset, length, opts) => new Promise<void>((resolve, reject) => {
      const req: Request = { handle: null, resolve, reject };
      // The returned handle keeps the pending work alive until it completes.
      req.handle = binding.waitForLock(fd, offset, length, opts.shared !== true, req, onwork);
    }),
    tryLock: (fd, offset, length, opts) => {
      try {
        binding.tryLock(fd, offset, length, opts.shared !== true);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
        throw e;
      }
    },
  };
}

let loaded: NativeLocks | undefined;

export function nativeLocks(): NativeLocks {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  try {
    loaded = fromBinding(require(`fs-native-extensions/prebuilds/${process.platform}-${process.arch}/fs-native-extensions.node`) as Binding);
  } catch {
    loaded = require('fs-native-extensions') as NativeLocks;
  }
  return loaded;
}
