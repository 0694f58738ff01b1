// The benchmark's build contexts, generated deterministically (same names, sizes and bytes every
// run): a small app for the rebuild scenarios, a 10,000-file ~120 MB tree for the cold COPY, and a
// RUN that writes ~300 MB as one big file, ten medium ones and a thousand small ones.
import { createCipheriv } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../test/helpers/prng.ts';

export const BASE_TAG = 'bench/base:1';

/** Applets the scenarios' shell scripts use, linked to busybox in the base image. */
export const BASE_APPLETS = ['mkdir', 'dd', 'seq', 'rm', 'touch', 'head'];

export type ScenarioName = 'noop' | 'source-change' | 'large-copy' | 'large-run';

export interface Scenario {
  name: ScenarioName;
  title: string;
  /** The context directory (holds the Dockerfile). */
  context: string;
  /** Cold scenarios start every timed build with no cache; warm ones build once untimed first. */
  cold: boolean;
  /** Before each timed build of a warm scenario: change the context (iteration number given). */
  edit?: (iteration: number) => void;
  /** What the context holds, for the report. */
  files: number;
  bytes: number;
}

/** A deterministic byte stream (AES-128-CTR over zeros with a fixed key): incompressible, reproducible. */
class Bytes {
  private readonly cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  take(n: number): Buffer {
    return this.cipher.update(Buffer.alloc(n));
  }
}

function writeTree(root: string, files: ReadonlyArray<{ rel: string; size: number }>, bytes: Bytes): number {
  let total = 0;
  for (const f of files) {
    const abs = path.join(root, f.rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, bytes.take(f.size));
    total += f.size;
  }
  return total;
}

/** The rebuild scenarios' app: 500 dependency files (~5 MB) copied first, a RUN, then 50 source files. */
function appContext(dir: string): { files: number; bytes: number } {
  const r = mulberry32(1);
  const bytes = new Bytes();
  const files: Array<{ rel: string; size: number }> = [];
  for (let i = 0; i < 500; i++) files.push({ rel: `deps/pkg${String(i % 25).padStart(2, '0')}/mod${String(i).padStart(3, '0')}.js`, size: 2048 + Math.floor(r() * 16384) });
  for (let i = 0; i < 50; i++) files.push({ rel: `src/file${String(i).padStart(2, '0')}.js`, size: 512 + Math.floor(r() * 8192) });
  const total = writeTree(dir, files, bytes);
  writeFileSync(path.join(dir, 'src', 'main.js'), 'console.log("version 0");\n');
  writeFileSync(path.join(dir, 'Dockerfile'), [
    `FROM ${BASE_TAG}`,
    'COPY deps/ /app/deps/',
    'RUN echo built > /app/built.txt',
    'COPY src/ /app/src/',
    '',
  ].join('\n'));
  return { files: files.length + 2, bytes: total };
}

/** 10,000 files in 100 directories, ~120 MB: 9,900 of 1–15 KB and 100 of 200–600 KB. */
function largeContext(dir: string): { files: number; bytes: number } {
  const r = mulberry32(2);
  const files: Array<{ rel: string; size: number }> = [];
  for (let i = 0; i < 10_000; i++) {
    const big = i % 100 === 99;
    const size = big ? 200_000 + Math.floor(r() * 400_000) : 1024 + Math.floor(r() * 14_336);
    files.push({ rel: `data/d${i % 10}/e${Math.floor(i / 10) % 10}/f${String(i).padStart(5, '0')}.bin`, size });
  }
  const total = writeTree(dir, files, new Bytes());
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${BASE_TAG}\nCOPY data/ /data/\n`);
  return { files: files.length + 1, bytes: total };
}

/** The RUN: 200 MB in one file, 10 files of 10 MB, 1,000 files of 4 KB (~308 MB; the small ones by a shell builtin, no fork each). */
const RUN_SCRIPT = [
  'mkdir -p /out/big /out/mid /out/small',
  'dd if=/dev/zero of=/out/big/blob bs=1M count=200 2>/dev/null',
  'for i in $(seq 1 10); do dd if=/dev/zero of=/out/mid/m$i bs=1M count=10 2>/dev/null; done',
  's=$(printf "%4096s" x)',
  'for i in $(seq 1 1000); do echo "$s$i" > /out/small/s$i; done',
].join(' && ');

function runContext(dir: string): { files: number; bytes: number } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${BASE_TAG}\nRUN ${RUN_SCRIPT}\n`);
  return { files: 1, bytes: 0 };
}

/** Writes every scenario's context under `root`. */
export function makeScenarios(root: string): Scenario[] {
  const app = path.join(root, 'app');
  const appInfo = appContext(app);
  const large = path.join(root, 'large-copy');
  const largeInfo = largeContext(large);
  const runDir = path.join(root, 'large-run');
  const runInfo = runContext(runDir);
  return [
    { name: 'noop', title: 'no-op rebuild', context: app, cold: false, ...appInfo },
    {
      name: 'source-change', title: 'source-change rebuild', context: app, cold: false, ...appInfo,
      edit: (i) => writeFileSync(path.join(app, 'src', 'main.js'), `console.log("version ${i + 1}");\n`),
    },
    { name: 'large-copy', title: 'cold COPY, 10k files ~120 MB', context: large, cold: true, ...largeInfo },
    { name: 'large-run', title: 'cold RUN writing ~300 MB', context: runDir, cold: true, ...runInfo },
  ];
}
