// Bundles the CLI into one ESM file so that start-up reads a single module (berth's no-op rebuild
// has to beat docker's 0.1 s, and resolving hundreds of files at start costs tens of milliseconds).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  // Native addons and their loaders stay outside the bundle.
  external: ['@napi-rs/xattr', 'fs-native-extensions', 'zstd-napi'],
  define: { BERTH_VERSION: JSON.stringify(pkg.version) },
  // CommonJS dependencies (commander) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};

// Chunks are named by content hash: clear the old ones.
rmSync(new URL('../dist/chunks', import.meta.url), { recursive: true, force: true });

// The CLI. Code only some commands need (the zod-based document validators, most of the bytes) goes
// to chunks loaded on first use, so start-up compiles only what the command runs.
await build({
  ...common,
  entryPoints: { berth: 'src/cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

// The library: one file, everything in it.
await build({ ...common, entryPoints: { api: 'src/api/index.ts' }, outdir: 'dist' });
