// Bundles the CLI into one ESM file so that start-up reads a single module (berth's no-op rebuild
// has to beat docker's 0.1 s, and resolving hundreds of files at start costs tens of milliseconds).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { berth: 'src/cli/main.ts', api: 'src/api/index.ts' },
  outdir: 'dist',
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
});
