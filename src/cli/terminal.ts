// The caller's terminal for `run -t` and `exec -t`: docker's refusal of -it without one, raw input while attached, its size and its changes.
import { spawnSync } from 'node:child_process';
import { BerthError } from '../util/errors.ts';
import { formatError } from './report-error.ts';

/**
 * docker's check: with -i and -t the input must be a terminal (piped input cannot drive one). Prints
 * docker's message and sets exit code 1, as the docker CLI does; true when the verb must stop here.
 */
export function refuseNonTerminalInput(verb: string, interactive: boolean, tty: boolean): boolean {
  if (!interactive || !tty || process.stdin.isTTY) return false;
  process.stderr.write(formatError(new BerthError('INVALID_ARGUMENT', 'the input device is not a TTY', {
    hint: 'run it from a terminal, or drop -t to pipe input in (-i alone)',
  }), { verb }));
  process.exitCode = 1;
  return true;
}

/** [height, width] of the terminal berth writes to (docker sizes the container's from its output), if it is one. */
export function terminalSize(): [number, number] | undefined {
  if (!process.stdout.isTTY) return undefined;
  const [columns, rows] = process.stdout.getWindowSize(); // asked now, not Node's last-known size
  return rows > 0 && columns > 0 ? [rows, columns] : undefined;
}

/**
 * While attached with -it: keys go to the container as typed (Ctrl-C included, for its terminal to
 * turn into SIGINT) and each change of berth's terminal size is passed on, including one since
 * `initial` was taken (before the container started). Returns the undo.
 */
export function attachTerminal(interactive: boolean, initial: [number, number] | undefined, onResize: (height: number, width: number) => void): () => void {
  const raw = interactive && process.stdin.isTTY === true;
  if (raw) {
    process.stdin.setRawMode(true);
    // Node's raw mode keeps output processing, so the container terminal's \r\n would arrive as \r\r\n;
    // docker's raw mode turns it off too. setRawMode(false) puts back all the settings it saved, this one included.
    spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  }
  const resized = (): void => {
    const size = terminalSize();
    if (size) onResize(size[0], size[1]);
  };
  if (process.stdout.isTTY) process.stdout.on('resize', resized);
  const now = terminalSize();
  if (now && (now[0] !== initial?.[0] || now[1] !== initial[1])) onResize(now[0], now[1]);
  return () => {
    process.stdout.off('resize', resized);
    if (raw) process.stdin.setRawMode(false);
  };
}
