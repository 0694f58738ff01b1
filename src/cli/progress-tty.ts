// BuildKit-like interactive progress: a header with the elapsed time, a line per step with its own
// timer or CACHED, and the live tail of each running step; redrawn in place with log-update.
import { createLogUpdate } from 'log-update';
import { styleText } from 'node:util';
import type { BuildEvent } from '../api/index.ts';
import { failureSummary, stepLabel } from './progress-summary.ts';

interface Row {
  label: string;
  start: number;
  end?: number;
  cached?: boolean;
  /** ERROR (this step failed) or CANCELED (another one did). */
  outcome?: 'ERROR' | 'CANCELED';
  tail: string[];
  /** The last lines, kept for the failure summary. */
  recent: string[];
}

const TAIL = 6;
/** How many of a step's last lines the failure summary repeats (BuildKit shows 10). */
const SUMMARY_LINES = 10;

export class TtyProgress {
  private readonly rows = new Map<string, Row>();
  private readonly start = Date.now();
  private readonly draw: ReturnType<typeof createLogUpdate>;
  private readonly timer: NodeJS.Timeout;
  private finished = false;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.draw = createLogUpdate(out, { showCursor: true });
    this.timer = setInterval(() => this.render(), 100);
    this.timer.unref();
  }

  vertex(text: string): (lines?: string[]) => void {
    const id = `v${this.rows.size}`;
    this.rows.set(id, { label: text, start: Date.now(), tail: [], recent: [] });
    return () => { this.rows.get(id)!.end = Date.now(); this.render(); };
  }

  handle(e: BuildEvent): void {
    if (e.type === 'step-start') this.rows.set(e.id, { label: stepLabel(e), start: Date.now(), tail: [], recent: [] });
    else if (e.type === 'step-cached') this.rows.get(e.id)!.cached = true;
    else if (e.type === 'step-done') { const r = this.rows.get(e.id); if (r) { r.end = Date.now(); r.tail = []; } }
    else if (e.type === 'step-error') { const r = this.rows.get(e.id); if (r) { r.end = Date.now(); r.outcome = 'ERROR'; } }
    else if (e.type === 'step-output') {
      const r = this.rows.get(e.id);
      if (!r) return;
      const lines = e.data.toString('utf8').split('\n').filter((l) => l !== '');
      r.tail = [...r.tail, ...lines].slice(-TAIL);
      r.recent = [...r.recent, ...lines].slice(-SUMMARY_LINES);
    }
  }

  /** After a failed build: running steps were canceled; below the view, the failed ones' last lines. */
  fail(): void {
    for (const r of this.rows.values()) if (r.end === undefined) { r.end = Date.now(); r.outcome = 'CANCELED'; }
    this.finish();
    const failed = [...this.rows.values()].filter((r) => r.outcome === 'ERROR');
    this.out.write(failureSummary(failed.map((r) => ({ label: r.label, lines: r.recent }))));
  }

  private render(): void {
    const width = this.out.columns || 100;
    const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
    const rows = [...this.rows.values()];
    const done = rows.filter((r) => r.end !== undefined).length;
    const lines = [`[+] Building ${secs(Date.now() - this.start)} (${done}/${rows.length})`];
    for (const r of rows) {
      const time = r.cached ? '0.0s' : secs((r.end ?? Date.now()) - r.start);
      const label = (r.outcome ? `${r.outcome} ` : r.cached ? 'CACHED ' : '') + r.label;
      const room = Math.max(10, width - time.length - 5);
      const text = ` => ${label.length > room ? label.slice(0, room - 1) + '…' : label.padEnd(room)} ${time}`;
      lines.push(r.end === undefined ? styleText('blue', text) : r.outcome === 'ERROR' ? styleText('red', text) : text);
      for (const t of r.tail) lines.push(styleText('dim', ` => => ${t}`.slice(0, width)));
    }
    this.draw(lines.join('\n'));
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    this.render();
    this.draw.done();
  }
}
