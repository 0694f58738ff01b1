// Docker's pull/push progress: one line per layer ("a1b2c3d4e5f6: Pull complete"). On a terminal
// the lines are redrawn in place with a bar while bytes move; otherwise each status change is
// printed once (never the byte counts), as docker does without a tty.
import type { createLogUpdate } from 'log-update';
import type { RegistryEvent } from '../api/index.ts';
import { humanSize } from './human.ts';

const QUIET_STATUSES = new Set(['Downloading', 'Pushing', 'Extracting', 'Verifying Checksum', 'Waiting']);

function bar(current: number, total: number): string {
  const width = 50;
  const filled = total > 0 ? Math.min(width, Math.floor((current / total) * width)) : 0;
  const arrow = filled < width ? '>' : '';
  return `[${'='.repeat(Math.max(0, filled - (arrow ? 1 : 0)))}${arrow}${' '.repeat(width - filled)}]  ${humanSize(current)}/${humanSize(total)}`;
}

function statusText(e: Extract<RegistryEvent, { type: 'layer' }>): string {
  if (e.status === 'Mounted') return `Mounted from ${e.from ?? ''}`;
  return e.status;
}

export class RegistryProgress {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly draw: ReturnType<typeof createLogUpdate> | undefined;

  private constructor(private readonly out: NodeJS.WriteStream, draw: ReturnType<typeof createLogUpdate> | undefined) {
    this.draw = draw;
  }

  /**
   * A terminal that reports no rows (some ptys) would clip the live view to nothing: print plainly
   * there. log-update (and its Unicode tables) is loaded only when the live view is drawn.
   */
  static async create(out: NodeJS.WriteStream, tty = Boolean(out.isTTY) && (out.rows ?? 0) > 0): Promise<RegistryProgress> {
    const draw = tty ? (await import('log-update')).createLogUpdate(out, { showCursor: true }) : undefined;
    return new RegistryProgress(out, draw);
  }

  handle(e: RegistryEvent): void {
    if (e.type === 'start') {
      this.print(e.action === 'pull' ? `${e.tag ?? 'latest'}: Pulling from ${e.repository}` : `The push refers to repository [${e.repository}]`);
      return;
    }
    if (e.type === 'retry') {
      this.print(`Retrying in ${Math.ceil(e.delayMs / 1000)} second${e.delayMs > 1000 ? 's' : ''}: ${e.message}`);
      return;
    }
    if (e.type !== 'layer') return;
    if (!this.lines.has(e.id)) this.order.push(e.id);
    const text = `${e.id}: ${statusText(e)}${e.current !== undefined && e.total ? ` ${bar(e.current, e.total)}` : ''}`;
    this.lines.set(e.id, text);
    if (this.draw) this.draw(this.order.map((id) => this.lines.get(id)!).join('\n'));
    else if (!QUIET_STATUSES.has(e.status)) this.out.write(`${e.id}: ${statusText(e)}\n`);
  }

  /** A line outside the layer list (printed above a live display, which restarts below it). */
  print(line: string): void {
    if (this.draw) {
      this.draw.done();
      this.order.length = 0;
      this.lines.clear();
    }
    this.out.write(`${line}\n`);
  }

  done(): void {
    this.draw?.done();
  }
}
