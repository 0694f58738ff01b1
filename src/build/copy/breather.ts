// Long runs of synchronous file-system calls (hashing or copying thousands of small files) give the
// event loop a turn every few milliseconds, so progress output and Ctrl-C are not held up.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { monotonicMs } from '../../util/clock.ts';

const SLICE_MS = 20;

/** A function to await between units of synchronous work: it yields once the slice is used up. */
export function breather(sliceMs = SLICE_MS): () => Promise<void> {
  let since = monotonicMs();
  return async () => {
    if (monotonicMs() - since < sliceMs) return;
    await nextTurn();
    since = monotonicMs();
  };
}
