// `berth build -o -` and `-o type=…,dest=-`: the output streams to stdout (and owns it: no image ID
// is mixed in), as docker's `build -o - . > out.tar`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importBusybox, REPO } from './e2e-helpers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'berth-stdout-'));
const root = path.join(work, 'store');
const ctx = path.join(work, 'ctx');
after(() => rmSync(work, { recursive: true, force: true }));
before(async () => {
  await importBusybox(root, work, 'busybox:latest');
  mkdirSync(ctx);
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo made > /made.txt\n');
});

/** Runs the CLI and returns its stdout as bytes. */
function build(args: readonly string[]): Buffer {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts'), '--root', root, 'build', ...args], { cwd: REPO, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

const names = (tar: Buffer): string[] => execFileSync('tar', ['-t'], { input: tar }).toString().split('\n').filter(Boolean);

describe('build outputs to stdout', () => {
  it('-o - writes the rootfs as a tar to stdout, with nothing else there', () => {
    const out = build(['-q', '-o', '-', ctx]);
    assert.ok(names(out).includes('made.txt'));
    assert.equal(execFileSync('tar', ['-xO', 'made.txt'], { input: out }).toString(), 'made\n');
    assert.doesNotMatch(out.subarray(-100).toString('latin1'), /sha256:/, 'the image ID was written into the archive');
  });

  it('-o type=docker,dest=- writes a docker archive that names the image', () => {
    const out = build(['-q', '-t', 'streamed:1', '-o', 'type=docker,dest=-', ctx]);
    const list = names(out);
    assert.ok(list.includes('manifest.json'), list.join(' '));
    const manifest = JSON.parse(execFileSync('tar', ['-xO', 'manifest.json'], { input: out }).toString()) as Array<{ RepoTags: string[] }>;
    assert.deepEqual(manifest[0]!.RepoTags, ['streamed:1']);
  });
});
