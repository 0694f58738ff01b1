'use strict';
// The CLI's entry (dist/berth.js, written from this file by scripts/build.mjs): loads the bundle's
// CommonJS chunks itself, each compiled with V8's code cache. A berth command is short and most of
// its start-up is node compiling the JavaScript it loads; V8 can save that work (bytecode of every
// function compiled so far) and reuse it, but Node 20 offers no compile cache for ES modules, so the
// CLI ships as CommonJS chunks and this loader keeps a cache file per chunk under dist/.code-cache.
//
// A chunk's name holds a hash of its content, so a cache file only ever meets the source it was made
// from; V8 itself rejects one made by another node version or with other V8 flags (the flags are in
// the file name too). A cache is written once, when the process exits, for chunks that had none (or a
// rejected one), by rename so readers never see half a file; a read-only install just runs without.
// BERTH_CODE_CACHE=0 turns it off.
//
// The loader also owns the V8 tuning of a short command (see src/cli/runtime-tuning.ts): node starts
// without V8 flags, so its own modules load from the code cache node ships for them, and a command
// that asks gets TUNING set at run time, after loading the node modules it names. Chunks loaded from
// then on use cache files made under TUNING; a chunk loaded before keeps one made under none.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const ENTRY = path.join(__dirname, '__BERTH_ENTRY__');
const enabled = process.env.BERTH_CODE_CACHE !== '0';
const cacheDir = path.join(__dirname, '.code-cache');
// No optimizing compiler (a short run never pays its code and feedback back) and a 1 MB young
// generation that GC reuses instead of growing into fresh pages: on VMs where the first touch of a
// page is expensive (~15 us here) that is a fifth of a rebuild. Both are read by V8 as it runs.
const TUNING = '--no-turbofan --semi-space-growth-factor=1';
let tuned = false;

/** Node's version and the V8 flags decide whether V8 accepts a cache: files are named by both (FNV-1a). */
function suffixFor(runtimeFlags) {
  let h = 0x811c9dc5;
  for (const ch of `${process.version} ${process.execArgv.join(' ')}${runtimeFlags}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `.${h.toString(36)}.v8`;
}
let suffix = suffixFor('');
// Our own header: the payload's length, so a file cut short (a crash mid-write) is no cache.
const HEADER = 8;

/** @type {Map<string, { exports: unknown }>} */
const modules = new Map();
/** Chunks to write a cache for at exit: the script, its cache file, and the data once made. */
/** @type {Array<{ script: vm.Script, file: string, data?: Buffer }>} */
const uncached = [];

function readCache(file) {
  if (!enabled) return undefined;
  let data;
  try {
    data = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (data.length < HEADER || data.readUInt32LE(0) !== 0x62727468 || data.readUInt32LE(4) !== data.length - HEADER) return undefined;
  return data.subarray(HEADER);
}

function load(file) {
  const known = modules.get(file);
  if (known) return known.exports;
  const mod = { exports: {} };
  modules.set(file, mod);
  const cacheFile = path.join(cacheDir, path.basename(file) + suffix);
  const cachedData = readCache(cacheFile);
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    modules.delete(file);
    throw Object.assign(new Error(`the CLI bundle is incomplete: ${path.relative(__dirname, file)} is missing`), { code: 'BERTH_INCOMPLETE_BUNDLE' });
  }
  // Strict, as the ES modules the chunks were made from.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {'use strict';${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (enabled && (!cachedData || script.cachedDataRejected)) uncached.push({ script, file: cacheFile });
  const dir = path.dirname(file);
  const outside = createRequire(file);
  const requireHere = (id) => (id.startsWith('./') || id.startsWith('../') ? load(path.join(dir, id)) : outside(id));
  script.runInThisContext().call(mod.exports, mod.exports, requireHere, mod, file, dir);
  return mod.exports;
}

process.on('exit', () => {
  if (uncached.length === 0) return;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    for (const { script, file, data: made } of uncached) {
      const data = made ?? script.createCachedData();
      const header = Buffer.alloc(HEADER);
      header.writeUInt32LE(0x62727468, 0);
      header.writeUInt32LE(data.length, 4);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, Buffer.concat([header, data]));
        fs.renameSync(tmp, file);
      } catch {
        fs.rmSync(tmp, { force: true }); // a full disk: the next start compiles again
      }
    }
  } catch {
    // no cache directory (a read-only install): the next start compiles again
  }
});

globalThis[Symbol.for('berth.tuneRuntime')] = (builtins) => {
  if (tuned) return;
  tuned = true;
  for (const name of builtins) require(name);
  // V8 stamps a cache with the flags in force when it is made: make those of the chunks compiled so
  // far now, under the flags they were compiled with and will be loaded with next time.
  for (const u of uncached) u.data ??= u.script.createCachedData();
  require('node:v8').setFlagsFromString(TUNING);
  suffix = suffixFor(` ${TUNING}`);
};

try {
  load(ENTRY);
} catch (e) {
  // A bundle half-deleted or mid-copy: say so, not node's stack trace.
  if (e.code !== 'BERTH_INCOMPLETE_BUNDLE') throw e;
  process.stderr.write(`berth: ${e.message}\nhint: run \`npm run build\` in the berth checkout\n`);
  process.exitCode = 1;
}
