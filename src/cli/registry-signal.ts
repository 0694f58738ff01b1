// Ctrl-C during a pull or push: the first SIGINT/SIGTERM aborts the transfer (temp files are
// removed and nothing is recorded on the way out); the process then exits with the signal's code.
import { BerthError } from '../util/errors.ts';

export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    ac.abort(new BerthError('INTERRUPTED', `interrupted (${sig}): nothing was recorded`));
    process.exitCode = sig === 'SIGINT' ? 130 : 143;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose: () => { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); },
  };
}
