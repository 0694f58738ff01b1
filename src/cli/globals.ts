// The global flags every verb shares (`--root`, `--debug`) and where the store lives by default.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';

export interface GlobalOptions {
  /** The store root: images, layers, containers and cache live under it. */
  root: string;
  /** Print stack traces and causes for berth's own failures. */
  debug: boolean;
}

/** Like docker's /var/lib/docker for root; XDG data dir for everyone else (rootless). */
export function defaultRoot(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): string {
  if (uid === 0) return '/var/lib/berth';
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && xdg.startsWith('/')) return join(xdg, 'berth');
  return join(homedir(), '.local', 'share', 'berth');
}

export function isDebug(debugFlag: unknown, env: NodeJS.ProcessEnv = process.env): boolean {
  return debugFlag === true || env.BERTH_DEBUG === '1';
}

/** The global options as seen from any (sub)command. */
export function globalOptions(cmd: Command): GlobalOptions {
  const all = cmd.optsWithGlobals<{ root?: string; debug?: boolean }>();
  return { root: all.root ?? defaultRoot(), debug: isDebug(all.debug) };
}
