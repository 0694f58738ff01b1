// BuildKit's plain progress (`--progress plain`, and CI): `#N [stage i/n] STEP`, every output line
// with its time offset, `#N CACHED`, `#N DONE 0.3s`, `#N ERROR: …` and, after a failure, the
// failed step's last lines between `------` rules. Nothing is clipped.
import type { BuildEvent } from '../api/index.ts';
import { failureSummary, stepLabel } from './progress-summary.ts';

/** How many of a step's last output lines the failure summary repeats (BuildKit shows 10). */
const SUMMARY_LINES = 10;

export class PlainProgress {
  private readonly numbers = new Map<string, number>();
  private readonly labels = new Map<string, string>();
  private readonly started = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private readonly recent = new Map<string, string[]>();
  private readonly failed: Array<{ label: string; lines: string[] }> = [];
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
        const label = stepLabel(e);
        this.numbers.set(e.id, n);
        this.labels.set(e.id, label);
        this.started.set(e.id, Date.now());
        this.out.write(`#${n} ${label}\n`);
        return;
      }
      case 'step-output': {
        const n = this.numbers.get(e.id);
        const secs = ((Date.now() - (this.started.get(e.id) ?? Date.now())) / 1000).toFixed(3);
        const text = (this.partial.get(e.id) ?? '') + e.data.toString('utf8');
        const lines = text.split('\n');
        this.partial.set(e.id, lines.pop() ?? '');
        for (const l of lines) this.line(e.id, `#${n} ${secs} ${l}`);
        return;
      }
      case 'step-cached':
        this.out.write(`#${this.numbers.get(e.id)} CACHED\n\n`);
        this.forget(e.id);
        return;
      case 'step-done': {
        const n = this.numbers.get(e.id);
        if (n === undefined) return; // reported as CACHED
        this.flushPartial(e.id);
        this.out.write(`#${n} DONE ${(e.ms / 1000).toFixed(1)}s\n\n`);
        this.forget(e.id);
        return;
      }
      case 'step-error': {
        const n = this.numbers.get(e.id);
        if (n === undefined) return;
        this.flushPartial(e.id);
        this.out.write(`#${n} ERROR: ${e.message}\n\n`);
        this.failed.push({ label: this.labels.get(e.id) ?? '', lines: this.recent.get(e.id) ?? [] });
        this.forget(e.id);
        return;
      }
      case 'warning':
        this.out.write(`WARNING: ${e.message}\n`);
        return;
    }
  }

  /** After a failed build: steps still running were canceled; the failed ones' last lines. */
  fail(): void {
    for (const n of this.numbers.values()) this.out.write(`#${n} CANCELED\n`);
    this.numbers.clear();
    this.out.write(failureSummary(this.failed));
  }

  private line(id: string, text: string): void {
    this.out.write(text + '\n');
    const kept = this.recent.get(id) ?? [];
    kept.push(text);
    if (kept.length > SUMMARY_LINES) kept.shift();
    this.recent.set(id, kept);
  }

  private flushPartial(id: string): void {
    const rest = this.partial.get(id);
    if (rest) this.line(id, `#${this.numbers.get(id)} ${rest}`);
    this.partial.delete(id);
  }

  private forget(id: string): void {
    this.numbers.delete(id);
    this.started.delete(id);
    this.recent.delete(id);
  }
}
