// The caller's terminal for `run -t` and `exec -t`: docker's refusal of -it without one, raw input while attached, its size and its changes.
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
  const out = process.stdout;
  return out.isTTY && out.rows > 0 && out.columns > 0 ? [out.rows, out.columns] : undefined;
}

/**
 * While attached with -it: keys go to the container as typed (Ctrl-C included, for its terminal to
 * turn into SIGINT) and each change of berth's terminal size is passed on. Returns the undo.
 */
export function attachTerminal(interactive: boolean, onResize: (height: number, width: number) => void): () => void {
  const raw = interactive && process.stdin.isTTY === true;
  if (raw) process.stdin.setRawMode(true);
  const resized = (): void => {
    const size = terminalSize();
    if (size) onResize(size[0], size[1]);
  };
  if (process.stdout.isTTY) process.stdout.on('resize', resized);
  return () => {
    process.stdout.off('resize', resized);
    if (raw) process.stdin.setRawMode(false);
  };
}
