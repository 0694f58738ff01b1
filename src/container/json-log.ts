// docker's json-file log driver: one JSON object a line, {"log": "<line>\n", "stream": "stdout"|"stderr", "time": RFC 3339 with nanoseconds}.
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/** RFC 3339 with nine fraction digits, as Go's RFC3339Nano prints a UTC time with full precision. */
export function logTime(now = new Date()): string {
  return now.toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(process.hrtime()[1] % 1_000_000).padStart(6, '0')}Z`);
}

/** The log file of one container, shared by its stdout and stderr writers so their lines interleave in order. */
export class JsonLog {
  private readonly out: WriteStream;
  /** Each writer's unfinished last line, written out by close(): runc's output pipes are never ended. */
  private readonly flushes: Array<() => void> = [];
  constructor(file: string) {
    this.out = createWriteStream(file, { flags: 'a', mode: 0o640 });
    this.out.on('error', () => {}); // a full disk must not kill the supervisor: the container keeps running
  }

  /**
   * A writable for one stream: whole lines become entries; a last unfinished line is written at the end.
   * With `partial` (a terminal's output), what arrived without a newline is written at once too:
   * a shell's prompt must reach an attached `run -it`, which reads this log, before the user types.
   */
  writer(stream: 'stdout' | 'stderr', opts: { partial?: boolean } = {}): Writable {
    let pending = '';
    // A character split between two reads must not become two replacement characters.
    const decoder = new StringDecoder('utf8');
    const emit = (line: string): void => {
      this.out.write(JSON.stringify({ log: line, stream, time: logTime() }) + '\n');
    };
    const flush = (): void => {
      if (pending !== '') emit(pending);
      pending = '';
    };
    this.flushes.push(flush);
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        pending += decoder.write(chunk);
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          emit(pending.slice(0, nl + 1));
          pending = pending.slice(nl + 1);
        }
        if (opts.partial) flush();
        cb();
      },
      final: (cb) => {
        flush();
        cb();
      },
    });
  }

  async close(): Promise<void> {
    for (const flush of this.flushes) flush();
    await new Promise<void>((resolve) => this.out.end(() => resolve()));
  }
}

/** Parses the entries in `text`; a torn last line (still being written) is left for the next read. */
export function parseLogLines(text: string): { entries: LogEntry[]; consumed: number } {
  const entries: LogEntry[] = [];
  let consumed = 0;
  let nl: number;
  while ((nl = text.indexOf('\n', consumed)) >= 0) {
    const line = text.slice(consumed, nl);
    consumed = nl + 1;
    try {
      const e = JSON.parse(line) as LogEntry;
      if (typeof e.log === 'string') entries.push(e);
    } catch {
      // a damaged line: skipped, as docker's reader does
    }
  }
  return { entries, consumed };
}

export async function readLog(file: string): Promise<LogEntry[]> {
  return parseLogLines(await readFile(file, 'utf8').catch(() => '')).entries;
}
