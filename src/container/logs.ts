// Reading a container's json-file log: all of it or its last N lines, and following it until the container ends.
import { open } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { BerthError } from '../util/errors.ts';
import { parseLogLines, type LogEntry } from './json-log.ts';
import type { ContainerRecords } from './record.ts';

const POLL_MS = 50;

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines ('all' or undefined: everything). */
  tail?: number;
  /** Stop following when this aborts. */
  signal?: AbortSignal;
}

export function parseTail(text: string | undefined): number | undefined {
  if (text === undefined || text === 'all') return undefined;
  if (!/^\d+$/.test(text)) throw new BerthError('INVALID_ARGUMENT', `invalid value for "tail": ${text}`, { hint: "give a number of lines or 'all'" });
  return Number(text);
}

/** Reads complete lines from `offset` on; returns the entries and the offset after the last complete line. */
async function readFrom(file: string, offset: number): Promise<{ entries: LogEntry[]; offset: number }> {
  const fh = await open(file, 'r').catch(() => undefined);
  if (!fh) return { entries: [], offset };
  try {
    const size = (await fh.stat()).size;
    if (size <= offset) return { entries: [], offset };
    const buf = Buffer.alloc(size - offset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (end < 0) return { entries: [], offset };
    return { entries: parseLogLines(buf.subarray(0, end + 1).toString('utf8')).entries, offset: offset + end + 1 };
  } finally {
    await fh.close();
  }
}

/**
 * Calls `onEntry` for each log entry of container `id` (the last `tail` first); with `follow`, keeps
 * reading new ones until the container is no longer running (or `until` says it is over).
 */
export async function streamLogs(
  records: ContainerRecords,
  id: string,
  opts: LogOptions,
  onEntry: (e: LogEntry) => void,
  until: (records: ContainerRecords, id: string) => Promise<boolean> = async (r, i) => !(await r.read(i))?.State.Running,
): Promise<void> {
  const file = records.logFile(id);
  let { entries, offset } = await readFrom(file, 0);
  if (opts.tail !== undefined) entries = opts.tail === 0 ? [] : entries.slice(-opts.tail);
  entries.forEach(onEntry);
  if (!opts.follow) return;
  for (;;) {
    // Checked before the read: whatever was written before the end is read once more after it.
    const over = await until(records, id);
    const next = await readFrom(file, offset);
    next.entries.forEach(onEntry);
    offset = next.offset;
    if (over || opts.signal?.aborted) return;
    await delay(POLL_MS);
  }
}
