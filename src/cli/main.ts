// berth's entry point: parse argv, run the verb, turn every failure into docker's text and exit code.
import { CommanderError } from 'commander';
import type { Command } from 'commander';
import { normalizeBoolFlags } from './bool-flags.ts';
import { isDebug } from './globals.ts';
import { createProgram } from './program.ts';
import { reportError, verbKind } from './report-error.ts';
import { tuneRuntime } from './runtime-tuning.ts';
import { UsageError, commandPath } from './usage-error.ts';

/** Runs berth with node-style argv (`[node, script, ...args]`) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = await createProgram(argv);
  let active: Command | undefined;
  program.hook('preAction', (_program, actionCommand) => {
    active = actionCommand;
    // A build tunes only when it needs the engine (an up-to-date build is done before that); a
    // container's supervisor lives as long as its container, work the optimizing compiler pays back.
    if (actionCommand.name() !== 'build' && actionCommand.name() !== '__supervise') tuneRuntime();
  });
  try {
    await program.parseAsync([...argv.slice(0, 2), ...normalizeBoolFlags(program, argv.slice(2))]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    // Help and version; a bare `berth` or `berth image` shows help and succeeds, as docker does.
    if (err instanceof CommanderError) return err.code === 'commander.help' ? 0 : err.exitCode;
    const verb = active ? commandPath(active, false) : undefined;
    return reportError(err, { verb, kind: verbKind(verb), debug: isDebug(program.opts().debug) });
  }
}

// `berth images | head` closes the pipe early; that is not an error worth a stack trace. Hooked
// when a command first uses process.stdout: node creates that stream on first use, and on a pipe
// it costs the net module, which a command printing nothing (or through stdout-line.ts) never needs.
const stdoutGetter = Object.getOwnPropertyDescriptor(process, 'stdout')?.get;
if (stdoutGetter) {
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: true,
    get(): NodeJS.WriteStream {
      const stream = stdoutGetter.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, writable: false, value: stream });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
      return stream;
    },
  });
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
