// Asking the CLI's loader (scripts/cli-loader.cjs) to tune V8 for the work a command is about to do; nothing when berth runs from source.
//
// bin/berth starts node without V8 flags so that node's own modules load from the code cache node
// ships for them (V8 rejects a code cache made under other flags: any flag on the command line
// made node compile crypto, streams, zlib and fs/promises from source, ~15 ms on a rebuild). The
// loader turns on the short-run tuning (no optimizing compiler, a young generation that does not
// grow) when a command asks, after loading the node modules that command is known to need.

const HOOK = Symbol.for('berth.tuneRuntime');

/** The node modules the build engine needs, loaded before the tuning flags change V8's flag hash. */
export const ENGINE_BUILTINS: readonly string[] = ['node:crypto', 'node:stream', 'node:stream/promises', 'node:zlib', 'node:fs/promises', 'node:timers/promises', 'node:os'];

/**
 * Loads `builtins` and then turns the tuning on, once per process. Without the loader (tests,
 * `node --import tsx src/cli/main.ts`) it does nothing.
 */
export function tuneRuntime(builtins: readonly string[] = []): void {
  const hook = (globalThis as Record<symbol, unknown>)[HOOK];
  if (typeof hook === 'function') (hook as (names: readonly string[]) => void)(builtins);
}
