// BuildKit's plain progress (`--progress plain`, and CI): `#N [stage i/n] STEP`, every output line
// with its time offset, `#N CACHED`, `#N DONE 0.3s`. Nothing is clipped.
import type { BuildEvent } from '../api/index.ts';

export class PlainProgress {
  private readonly numbers = new Map<string, number>();
  private readonly started = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private next = 1;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** A vertex that is not a Dockerfile step (context transfer, export). */
  vertex(text: string): (lines?: string[]) => void {
    const n = this.next++;
    const t = Date.now();
    this.out.write(`#${n} ${text}\n`);
    return (lines = []) => {
      for (const l of lines) this.out.write(`#${n} ${l}\n`);
      this.out.write(`#${n} DONE ${((Date.now() - t) / 1000).toFixed(1)}s\n\n`);
    };
  }

  handle(e: BuildEvent): void {
    switch (e.type) {
      case 'step-start': {
        const n = this.next++;
        this.numbers.set(e.id, n);
        this.started.set(e.id, Date.now());
        this.out.write(`#${n} [${e.stage} ${e.index}/${e.total}] ${e.text}\n`);
        return;
      }
      case 'step-output': {
        const n = this.numbers.get(e.id);
        const secs = ((Date.now() - (this.started.get(e.id) ?? Date.now())) / 1000).toFixed(3);
        const text = (this.partial.get(e.id) ?? '') + e.data.toString('utf8');
        const lines = text.split('\n');
        this.partial.set(e.id, lines.pop() ?? '');
        for (const l of lines) this.out.write(`#${n} ${secs} ${l}\n`);
        return;
      }
      case 'step-cached':
        this.out.write(`#${this.numbers.get(e.id)} CACHED\n\n`);
        this.numbers.delete(e.id);
        return;
      case 'step-done': {
        const n = this.numbers.get(e.id);
        if (n === undefined) return; // reported as CACHED
        const rest = this.partial.get(e.id);
        if (rest) this.out.write(`#${n} ${rest}\n`);
        this.out.write(`#${n} DONE ${(e.ms / 1000).toFixed(1)}s\n\n`);
        return;
      }
      case 'warning':
        this.out.write(`WARNING: ${e.message}\n`);
        return;
    }
  }
}
