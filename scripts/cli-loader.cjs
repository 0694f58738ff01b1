'use strict';
// The CLI's entry (dist/berth.js, written from this file by scripts/build.mjs): loads the bundle's
// CommonJS chunks itself, each compiled with V8's code cache. A berth command is short and most of
// its start-up is node compiling the JavaScript it loads; V8 can save that work (bytecode of every
// function compiled so far) and reuse it, but Node 20 offers no compile cache for ES modules, so the
// CLI ships as CommonJS chunks and this loader keeps a cache file per chunk under dist/.code-cache.
//
// A chunk's name holds a hash of its content, so a cache file only ever meets the source it was made
// from; V8 itself rejects one made by another node version or with other V8 flags (the flags are in
// the file name too, so container supervisors, run without bin/berth's flags, keep their own). A
// cache is written once, when the process exits, for chunks that had none (or a rejected one), by
// rename so readers never see half a file; a read-only install just runs without. BERTH_CODE_CACHE=0
// turns it off.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const ENTRY = path.join(__dirname, '__BERTH_ENTRY__');
const enabled = process.env.BERTH_CODE_CACHE !== '0';
const cacheDir = path.join(__dirname, '.code-cache');
// Node's version and the V8 flags decide whether V8 accepts a cache: name files by both (FNV-1a).
let flagsHash = 0x811c9dc5;
for (const ch of `${process.version} ${process.execArgv.join(' ')}`) flagsHash = Math.imul(flagsHash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
const suffix = `.${flagsHash.toString(36)}.v8`;
// Our own header: the payload's length, so a file cut short (a crash mid-write) is no cache.
const HEADER = 8;

/** @type {Map<string, { exports: unknown }>} */
const modules = new Map();
/** @type {Array<[vm.Script, string]>} */
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
  if (enabled && (!cachedData || script.cachedDataRejected)) uncached.push([script, cacheFile]);
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
    for (const [script, file] of uncached) {
      const data = script.createCachedData();
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

try {
  load(ENTRY);
} catch (e) {
  // A bundle half-deleted or mid-copy: say so, not node's stack trace.
  if (e.code !== 'BERTH_INCOMPLETE_BUNDLE') throw e;
  process.stderr.write(`berth: ${e.message}\nhint: run \`npm run build\` in the berth checkout\n`);
  process.exitCode = 1;
}
