// Shared helpers for the layer tests: temp dirs, stream collection, running the GNU tar / sha256sum oracles.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTar, readTar, type TarEntryInput, type TarHeader, type TarBody } from '../../src/layer/index.ts';
import type { BerthError, ErrorCode } from '../../src/util/errors.ts';

/** A fresh directory under os.tmpdir(); call the returned cleanup in after()/finally. */
export async function tempDir(prefix = 'berth-layer-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

export async function tarOf(entries: Array<{ header: TarEntryInput; body?: TarBody }>): Promise<Buffer> {
  return collect(packTar(entries));
}

export interface ReadEntry {
  header: TarHeader;
  body: Buffer;
}

export async function readAll(tar: Buffer | AsyncIterable<unknown>): Promise<ReadEntry[]> {
  const out: ReadEntry[] = [];
  for await (const { header, body } of readTar(Buffer.isBuffer(tar) ? [tar] : tar)) {
    out.push({ header, body: await collect(body) });
  }
  return out;
}

export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Asserts that `promise` rejects with a BerthError of `code` whose message matches `pattern`. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<BerthError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught, `expected a ${code} error, but it succeeded`);
  const err = caught as BerthError;
  assert.equal(err.name, 'BerthError', `expected a BerthError, got ${String(err)}`);
  assert.equal(err.code, code, `wrong code for: ${err.message}`);
  assert.match(err.message, pattern);
  return err;
}

/** A tar whose bytes are edited after writing (for hostile-archive tests). */
export function patchChecksum(block: Buffer, offset: number): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[offset + i]!;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', offset + 148, 8, 'latin1');
}
