// Questions on the terminal for `berth login` without flags: a visible username and a password
// whose typing is not echoed (the terminal's echo is left off while it is read).
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export async function ask(question: string, opts: { hidden?: boolean } = {}): Promise<string> {
  let muted = false;
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output: out, terminal: true });
  try {
    const answer = rl.question(question);
    muted = opts.hidden === true; // the question itself is shown; what is typed after it is not
    return await answer;
  } finally {
    rl.close();
    if (opts.hidden) process.stderr.write('\n');
  }
}
