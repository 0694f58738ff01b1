// One line to stdout with a plain write(2): a command that prints only its result (`build -q`'s
// image ID) need not create process.stdout, whose stream (a net.Socket on a pipe) makes node load its
// networking modules, a cost every such command would pay. A closed pipe ends the output quietly.
import { writeSync } from 'node:fs';

export function printLine(text: string): void {
  const bytes = Buffer.from(`${text}\n`, 'utf8');
  for (let off = 0; off < bytes.length;) {
    try {
      off += writeSync(1, bytes, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue; // a non-blocking pipe that is full: the reader drains it
      if (code === 'EPIPE') return;
      throw e;
    }
  }
}
