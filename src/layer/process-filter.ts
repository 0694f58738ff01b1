// A child process (e.g. `zstd -d`) as a Duplex: stdin in, stdout out; a non-zero exit becomes a stream error.

import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Duplex } from 'node:stream';
import { BerthError } from '../util/errors.ts';

/** Absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Runs `command args` and exposes it as a Duplex. Destroying the Duplex kills the process. */
export function processFilter(command: string, args: readonly string[], what: string): Duplex {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  let stderrLen = 0;
  let stdinFailed = false;
  let exited = false;

  const duplex = new Duplex({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      // A write error (EPIPE) means the process stopped reading; its exit status says why.
      child.stdin.write(chunk, (err) => {
        if (err) stdinFailed = true;
        cb();
      });
    },
    final(cb) {
      child.stdin.end();
      cb();
    },
    read() {
      child.stdout.resume();
    },
    destroy(err, cb) {
      if (!exited) child.kill('SIGKILL');
      cb(err);
    },
  });

  child.stdin.on('error', () => {
    stdinFailed = true;
  });
  child.stdout.on('data', (data: Buffer) => {
    if (!duplex.push(data)) child.stdout.pause();
  });
  child.stderr.on('data', (data: Buffer) => {
    if (stderrLen < 4096) {
      stderr.push(data);
      stderrLen += data.length;
    }
  });
  child.on('error', (err) => {
    exited = true;
    duplex.destroy(new BerthError('MISSING_DEPENDENCY', `${what}: cannot run ${command}: ${err.message}`, { cause: err }));
  });
  child.on('close', (code, signal) => {
    exited = true;
    if (duplex.destroyed) return;
    const detail = Buffer.concat(stderr).toString('utf8').trim();
    if (code !== 0) {
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      duplex.destroy(new BerthError('INVALID_ARCHIVE', `${what}: ${command} ${how}${detail ? `: ${detail}` : ''}`));
    } else if (stdinFailed) {
      duplex.destroy(new BerthError('INVALID_ARCHIVE', `${what}: ${command} stopped before reading all its input`));
    } else {
      duplex.push(null);
    }
  });
  return duplex;
}
