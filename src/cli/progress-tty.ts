// BuildKit-like interactive progress: a header with the elapsed time, a line per step with its own
// timer or CACHED, and the live tail of each running step; redrawn in place with log-update.
import { createLogUpdate } from 'log-update';
import { styleText } from 'node:util';
import type { BuildEvent } from '../api/index.ts';

interface Row {
  label: string;
  start: number;
  end?: number;
  cached?: boolean;
  tail: string[];
}

const TAIL = 6;

export class TtyProgress {
  private readonly rows = new Map<string, Row>();
  private readonly start = Date.now();
  private readonly draw: ReturnType<typeof createLogUpdate>;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.draw = createLogUpdate(out, { showCursor: true });
    this.timer = setInterval(() => this.render(), 100);
    this.timer.unref();
  }

  vertex(text: string): (lines?: string[]) => void {
    const id = `v${this.rows.size}`;
    this.rows.set(id, { label: text, start: Date.now(), tail: [] });
    return () => { this.rows.get(id)!.end = Date.now(); this.render(); };
  }

  handle(e: BuildEvent): void {
    if (e.type === 'step-start') this.rows.set(e.id, { label: `[${e.stage} ${e.index}/${e.total}] ${e.text}`, start: Date.now(), tail: [] });
    else if (e.type === 'step-cached') this.rows.get(e.id)!.cached = true;
    else if (e.type === 'step-done') { const r = this.rows.get(e.id); if (r) { r.end = Date.now(); r.tail = []; } }
    else if (e.type === 'step-output') {
      const r = this.rows.get(e.id);
      if (r) r.tail = [...r.tail, ...e.data.toString('utf8').split('\n').filter((l) => l !== '')].slice(-TAIL);
    }
  }

  private render(): void {
    const width = this.out.columns || 100;
    const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
    const rows = [...this.rows.values()];
    const done = rows.filter((r) => r.end !== undefined).length;
    const lines = [`[+] Building ${secs(Date.now() - this.start)} (${done}/${rows.length})`];
    for (const r of rows) {
      const time = r.cached ? '0.0s' : secs((r.end ?? Date.now()) - r.start);
      const label = (r.cached ? 'CACHED ' : '') + r.label;
      const room = Math.max(10, width - time.length - 5);
      const text = ` => ${label.length > room ? label.slice(0, room - 1) + '…' : label.padEnd(room)} ${time}`;
      lines.push(r.end === undefined ? styleText('blue', text) : text);
      for (const t of r.tail) lines.push(styleText('dim', ` => => ${t}`.slice(0, width)));
    }
    this.draw(lines.join('\n'));
  }

  finish(): void {
    clearInterval(this.timer);
    this.render();
    this.draw.done();
  }
}
