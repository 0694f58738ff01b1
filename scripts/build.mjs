// Bundles the CLI into chunks loaded on first use, so that start-up reads and compiles only what the
// command runs (berth's no-op rebuild has to beat docker's), and the library into dist/api.mjs.
// The CLI's chunks are CommonJS, loaded by dist/berth.js (scripts/cli-loader.cjs) with V8's code
// cache, which Node 20 has no way to use for ES modules: esbuild splits the ES module graph, then
// each chunk is turned into CommonJS (imports become require() of sibling chunks).
import { build, transform } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// Node's built-in modules reached through require() (the banner's), not import: an ESM import of
// one builds a facade that reads every export, and reading some of them loads more modules (node:fs's
// ReadStream pulls in streams, node:util's parseArgs and MIMEType, node:crypto's webcrypto). The shim
// reads one name per pure export, so the bundle keeps, and reads, only the names it uses.
const requireBuiltin = createRequire(import.meta.url);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    // The shim's own require() is the real one (external); everyone else's import goes to the shim.
    // node:child_process, node:net and node:crypto (and the modules they bring: streams) load on the
    // first call of one of their functions (berth uses only functions of them): an up-to-date build
    // or `berth images` never spawns, connects or hashes, and commander requires child_process at
    // load only for executable subcommands berth has none of. A promisified execFile keeps node's
    // own promisified form.
    b.onResolve({ filter: /^node:(child_process|net|crypto)$/ }, (args) =>
      args.namespace === 'file' && (args.kind !== 'require-call' || /node_modules[\\/]commander[\\/]/.test(args.importer)) ? { path: args.path, namespace: 'lazy-builtin' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const real = requireBuiltin(args.path);
      const names = Object.keys(real).filter((n) => IDENTIFIER.test(n) && typeof real[n] === 'function');
      const lines = [
        "const { promisify } = require('node:util');",
        `let loaded; const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        'const lazy = (name) => {',
        '  const f = function (...a) { return load()[name].apply(this, a); };',
        '  Object.defineProperty(f, promisify.custom, { value: (...a) => { const fn = load()[name]; return (fn[promisify.custom] ?? promisify(fn))(...a); } });',
        '  return f;',
        '};',
      ];
      for (const n of names) lines.push(`export const ${n} = /* @__PURE__ */ lazy(${JSON.stringify(n)});`);
      return { contents: lines.join('\n'), loader: 'js', resolveDir: process.cwd() };
    });
    // Other require() calls stay as they are (CommonJS dependencies make their own).
    b.onResolve({ filter: /^node:/ }, (args) => (args.namespace !== 'file' || args.kind === 'require-call' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const names = Object.keys(requireBuiltin(args.path)).filter((n) => IDENTIFIER.test(n) && n !== 'default');
      const lines = [`const __builtin = require(${JSON.stringify(args.path)});`, 'const __read = (name) => __builtin[name];', 'export default __builtin;'];
      for (const n of names) lines.push(`export const ${n} = /* @__PURE__ */ __read(${JSON.stringify(n)});`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

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
  write: false,
};

// The CLI. Code only some commands need (the zod-based validators, undici, the tty views) goes to
// content-hashed chunks loaded on first use.
// Whitespace and syntax minified (names kept, for --debug's stack traces): every start reads and
// parses what it loads, and on this kind of machine each page of memory touched the first time costs.
// The chunks' require() is the loader's (CommonJS), so no banner; no source maps (names are kept).
const minify = { minifyWhitespace: true, minifySyntax: true };
const split = await build({
  ...common, banner: {}, sourcemap: false, plugins: [builtinsByRequire], entryPoints: { main: 'src/cli/main.ts' },
  outdir: path.join(dist, 'chunks'), entryNames: '[name]-[hash]', splitting: true, chunkNames: '[name]-[hash]', ...minify,
});
const cli = [];
let entry;
for (const f of split.outputFiles) {
  // A dynamic import() becomes a require() (Promise-wrapped), import.meta.url the chunk's own URL.
  const { code } = await transform(f.text, {
    format: 'cjs', loader: 'js', platform: 'node', target: 'node20', ...minify, logLevel: 'warning',
    supported: { 'dynamic-import': false }, define: { 'import.meta.url': '__berthUrl' },
  });
  const banner = code.includes('__berthUrl') ? "var __berthUrl=require('node:url').pathToFileURL(__filename).href;" : '';
  cli.push({ path: f.path, contents: Buffer.from(banner + code) });
  if (path.basename(f.path).startsWith('main-')) entry = `chunks/${path.basename(f.path)}`;
}
const loader = readFileSync(new URL('./cli-loader.cjs', import.meta.url), 'utf8').replace('__BERTH_ENTRY__', entry);
// dist/*.js are CommonJS; the library is dist/api.mjs. The entry goes last (see below).
cli.push({ path: path.join(dist, 'package.json'), contents: Buffer.from('{ "type": "commonjs" }\n') });
cli.push({ path: path.join(dist, 'berth.js'), contents: Buffer.from(loader) });
// The library: one file, everything in it.
const lib = await build({ ...common, entryPoints: { api: 'src/api/index.ts' }, outdir: dist, outExtension: { '.js': '.mjs' } });

// A berth running while this rebuilds must never see an entry whose chunks are missing: chunks are
// written first, each file atomically, the entries last; old chunks stay an hour for processes
// still running the previous build (a detached container's supervisor, a long build).
const files = [...lib.outputFiles, ...cli].sort((a, b) => Number(!a.path.includes(`${path.sep}chunks${path.sep}`)) - Number(!b.path.includes(`${path.sep}chunks${path.sep}`)));
for (const f of files) {
  mkdirSync(path.dirname(f.path), { recursive: true });
  const tmp = `${f.path}.${process.pid}.tmp`;
  writeFileSync(tmp, f.contents);
  renameSync(tmp, f.path);
}
const fresh = new Set(files.map((f) => f.path));
const chunks = path.join(dist, 'chunks');
const HOUR = 3600_000;
for (const name of readdirSync(chunks)) {
  const file = path.join(chunks, name);
  if (!fresh.has(file) && Date.now() - statSync(file).mtimeMs > HOUR) rmSync(file, { force: true });
}
// What the ES module layout left (the CLI's old entry map, the library as api.js) and code caches of
// chunks that are gone.
for (const old of ['api.js', 'api.js.map', 'berth.js.map']) rmSync(path.join(dist, old), { force: true });
const present = new Set(readdirSync(chunks));
const cacheDir = path.join(dist, '.code-cache');
for (const name of existsSync(cacheDir) ? readdirSync(cacheDir) : []) {
  if (!present.has(name.replace(/\.[^.]+\.v8(\.\d+\.tmp)?$/, ''))) rmSync(path.join(cacheDir, name), { force: true });
}
