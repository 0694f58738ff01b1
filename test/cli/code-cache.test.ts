// The bundled CLI's loader (scripts/cli-loader.cjs, built into dist/berth.js): CommonJS chunks
// compiled with V8's code cache. Run on a private copy of dist/ (the loader writes next to itself):
// the first start writes a cache per chunk, later starts use it untouched, a cut or garbage cache
// file is replaced and never breaks a command, a build that needs the engine tunes V8 before loading
// it (its caches made under the tuning, accepted next time), other V8 flags keep their own files, and
// BERTH_CODE_CACHE=0 or an unwritable cache directory just run without.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let cacheDir: string;
let root: string;

/** node [flags] COPY/berth.js --root ROOT args: status and output. */
function berth(args: string[], opts: { flags?: string[]; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  // As bin/berth runs it: no V8 flags on the command line (the loader tunes V8 at run time).
  const r = spawnSync(process.execPath, [...(opts.flags ?? []), path.join(dir, 'berth.js'), '--root', root, ...args], {
    encoding: 'utf8', env: { ...process.env, ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The cache files and their bytes. */
function caches(): Map<string, Buffer> {
  if (!existsSync(cacheDir)) return new Map();
  return new Map(readdirSync(cacheDir).map((n) => [n, readFileSync(path.join(cacheDir, n))]));
}

function assertWellFormed(files: Map<string, Buffer>): void {
  for (const [name, data] of files) {
    assert.match(name, /^[\w-]+\.js\.[0-9a-z]+\.v8$/);
    assert.equal(data.readUInt32LE(0), 0x62727468, `${name}: header magic`);
    assert.equal(data.readUInt32LE(4), data.length - 8, `${name}: length`);
  }
}

before(() => {
  // Built fresh (a few seconds), so the copy matches the sources under test.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
  mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  // Inside the checkout, so the native addons resolve from its node_modules.
  dir = mkdtempSync(path.join(REPO, '.tmp', 'code-cache-'));
  for (const f of ['berth.js', 'package.json']) cpSync(path.join(REPO, 'dist', f), path.join(dir, f));
  mkdirSync(path.join(dir, 'chunks'));
  // The chunks this build's entry reaches (dist/chunks keeps a previous build's for an hour).
  const entry = /'(chunks\/main-[\w-]+\.js)'/.exec(readFileSync(path.join(dir, 'berth.js'), 'utf8'))?.[1];
  assert.ok(entry, 'the loader names its entry chunk');
  const pending = [path.basename(entry)];
  for (let n = pending.pop(); n !== undefined; n = pending.pop()) {
    if (existsSync(path.join(dir, 'chunks', n))) continue;
    const text = readFileSync(path.join(REPO, 'dist', 'chunks', n), 'utf8');
    writeFileSync(path.join(dir, 'chunks', n), text);
    for (const m of text.matchAll(/require\("\.\/([\w-]+\.js)"\)/g)) pending.push(m[1]!);
  }
  cacheDir = path.join(dir, '.code-cache');
  root = path.join(dir, 'store');
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the CLI loader and its code cache', () => {
  it('the first start writes a cache per chunk it loaded; the next starts use them as they are', () => {
    const first = berth(['images']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID/);
    const written = caches();
    assert.ok(written.size >= 3, `a cache for the entry, commander and the images verb: ${[...written.keys()].join(' ')}`);
    assertWellFormed(written);
    const mtimes = new Map([...written.keys()].map((n) => [n, statSync(path.join(cacheDir, n)).mtimeMs]));

    const second = berth(['images']);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    for (const [n, data] of caches()) {
      if (!written.has(n)) continue; // a chunk the first start did not load
      assert.deepEqual(data, written.get(n), `${n} untouched: V8 accepted it`);
      assert.equal(statSync(path.join(cacheDir, n)).mtimeMs, mtimes.get(n));
    }
  });

  it('a build that needs the engine tunes V8 first: the engine has caches made under the tuning, the CLI under none, and V8 accepts both next time', () => {
    const ctx = path.join(dir, 'ctx');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY f /f\n');
    const before = new Set(caches().keys());
    const build = (): string => {
      // A new file each time: the build is never up to date, so the engine runs.
      writeFileSync(path.join(ctx, 'f'), `${Math.random()}\n`);
      const r = berth(['build', '-q', ctx]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
      return r.stdout;
    };
    build();
    const written = caches();
    const fresh = [...written.keys()].filter((n) => !before.has(n));
    const suffixOf = (n: string): string => n.split('.').at(-2)!;
    const mainSuffix = suffixOf([...written.keys()].find((n) => n.startsWith('main-'))!);
    const engine = fresh.filter((n) => n.startsWith('build-image-'));
    assert.equal(engine.length, 1, `the engine's entry chunk has a cache: ${fresh.join(' ')}`);
    assert.notEqual(suffixOf(engine[0]!), mainSuffix, 'the engine loaded after the flags changed');
    const bytes = new Map(fresh.map((n) => [n, written.get(n)!]));
    build();
    for (const [n, data] of bytes) assert.deepEqual(caches().get(n), data, `${n} untouched: V8 accepted it`);
  });

  it('a cache cut short or full of garbage is replaced, and the command works', () => {
    rmSync(cacheDir, { recursive: true, force: true }); // only the caches `images` loads
    berth(['images']);
    const [cut, garbage] = [...caches().keys()];
    assert.ok(cut && garbage);
    writeFileSync(path.join(cacheDir, cut), readFileSync(path.join(cacheDir, cut)).subarray(0, 100));
    const noise = Buffer.alloc(4096, 0x5a);
    noise.writeUInt32LE(0x62727468, 0);
    noise.writeUInt32LE(noise.length - 8, 4);
    writeFileSync(path.join(cacheDir, garbage), noise);
    const r = berth(['images']);
    assert.equal(r.status, 0, r.stderr);
    const now = caches();
    assertWellFormed(now);
    assert.ok(now.get(cut)!.length > 100, 'rewritten whole');
    assert.notDeepEqual(now.get(garbage), noise, 'V8 rejected it and the loader wrote a real one');
  });

  it('other V8 flags keep their own cache files; BERTH_CODE_CACHE=0 and an unwritable cache directory run without', () => {
    berth(['images']);
    const before = new Set(caches().keys());
    const other = berth(['images'], { flags: ['--no-opt'] });
    assert.equal(other.status, 0, other.stderr);
    const suffixes = new Set([...caches().keys()].map((n) => n.split('.').at(-2)));
    assert.ok(suffixes.size >= 2, `one set of files per flags: ${[...suffixes].join(' ')}`);
    for (const n of before) assert.ok(caches().has(n));

    rmSync(cacheDir, { recursive: true });
    const off = berth(['images'], { env: { BERTH_CODE_CACHE: '0' } });
    assert.equal(off.status, 0, off.stderr);
    assert.equal(existsSync(cacheDir), false);

    writeFileSync(cacheDir, 'not a directory');
    const blocked = berth(['images']);
    assert.equal(blocked.status, 0, blocked.stderr);
    assert.equal(blocked.stderr, '');
    rmSync(cacheDir);
  });

  it('a missing entry chunk is a clear error, not a stack trace', () => {
    const entry = /'(chunks\/main-[\w-]+\.js)'/.exec(readFileSync(path.join(dir, 'berth.js'), 'utf8'))![1]!;
    const kept = readFileSync(path.join(dir, entry));
    rmSync(path.join(dir, entry));
    try {
      const r = berth(['images']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^berth: the CLI bundle is incomplete: chunks\/main-[\w-]+\.js is missing\nhint: run `npm run build`/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } finally {
      writeFileSync(path.join(dir, entry), kept);
    }
  });

  it('a bad command still fails as it should through the loader (typed error, no stack trace)', () => {
    const r = berth(['inspect', 'no/such:image']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^berth inspect: No such object: no\/such:image\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
