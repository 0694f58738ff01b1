// Keeps the module picture in ARCHITECTURE.md true: import boundaries, no printing below the CLI, small files.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * Which modules each module may import directly, from the table in ARCHITECTURE.md. The table is
 * read as layers: a module may also import what its allowed modules may (plan → instructions →
 * syntax), except through the `api` facade, and `cli` is held to exactly `api` and `util`.
 * Two additions: `util` is open to every module (BerthError lives there, and every layer reports
 * typed errors), and `context` (the build-context walker and .dockerignore) sits on util and
 * feeds `build`, whose cache keys hash the context files a step reads.
 */
const ALLOWED: Record<string, readonly string[]> = {
  oci: [],
  util: ['oci'],
  'dockerfile/syntax': ['util'],
  'dockerfile/shell': ['util'],
  'dockerfile/instructions': ['dockerfile/syntax', 'dockerfile/shell', 'oci'],
  plan: ['dockerfile/instructions', 'dockerfile/shell', 'oci'],
  context: ['util'],
  image: ['oci', 'util'],
  layer: ['oci', 'util'],
  snapshot: ['layer', 'oci', 'util'],
  runtime: ['oci', 'util'],
  cache: ['oci', 'util'],
  store: ['image', 'layer', 'oci', 'util'],
  registry: ['image', 'oci', 'util'],
  build: ['plan', 'context', 'image', 'layer', 'snapshot', 'runtime', 'cache', 'store', 'oci', 'util'],
  exporters: ['image', 'store', 'registry', 'layer'],
  container: ['runtime', 'snapshot', 'store', 'image'],
  api: [], // everything except cli: filled in below
  cli: ['api', 'util'],
};
const EVERYWHERE = ['util'];
const DIRECT_ONLY = new Set(['cli']);
ALLOWED.api = Object.keys(ALLOWED).filter((m) => m !== 'api' && m !== 'cli');

/** ALLOWED closed over the layers (not through api, not for cli). */
function reachable(from: string, seen = new Set<string>()): Set<string> {
  for (const to of ALLOWED[from] ?? []) {
    if (seen.has(to)) continue;
    seen.add(to);
    if (to !== 'api') reachable(to, seen);
  }
  return seen;
}
const MAY_IMPORT = new Map(Object.keys(ALLOWED).map((m) => [m, DIRECT_ONLY.has(m) ? new Set(ALLOWED[m]) : reachable(m)]));

/** npm packages only the CLI may use: terminal UI belongs to the shell, not the library. */
const CLI_ONLY_PACKAGES = new Set(['commander', 'log-update']);

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(SRC, f))
    .sort();
}

const rel = (file: string): string => relative(SRC, file).split(sep).join('/');

/** src/dockerfile/syntax/x.ts → "dockerfile/syntax"; src/plan/x.ts → "plan"; src/x.ts → "" (no module). */
function moduleOf(relPath: string): string {
  const parts = relPath.split('/');
  if (parts.length < 2) return '';
  if (parts[0] === 'dockerfile') return parts.length < 3 ? 'dockerfile' : `dockerfile/${parts[1]}`;
  return parts[0] ?? '';
}

/** Static imports, re-exports, `import type`, `import(...)` and `require(...)`: TypeScript's own scanner. */
function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0] ?? spec);
}

function importViolations(file: string, text: string): string[] {
  const from = moduleOf(rel(file));
  if (!(from in ALLOWED)) return [`${rel(file)}: module "${from}" is not in the table; add it to ARCHITECTURE.md and this test`];
  const out: string[] = [];
  for (const spec of importSpecifiers(text)) {
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + sep)) {
        out.push(`${rel(file)}: imports "${spec}", outside src/`);
        continue;
      }
      const to = moduleOf(rel(target));
      const ok = to === from || EVERYWHERE.includes(to) || (MAY_IMPORT.get(from)?.has(to) ?? false);
      if (!ok) out.push(`${rel(file)}: ${from} may not import ${to || rel(target)} ("${spec}")`);
    } else if (!isBuiltin(spec) && CLI_ONLY_PACKAGES.has(packageName(spec)) && from !== 'cli') {
      out.push(`${rel(file)}: only cli may import "${packageName(spec)}"`);
    }
  }
  return out;
}

/** `console.*`, `process.stdout` and `process.stderr` anywhere outside the CLI: domain code never prints. */
function printingViolations(file: string, text: string): string[] {
  if (moduleOf(rel(file)) === 'cli') return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const object = node.expression.text;
      const name = node.name.text;
      if (object === 'console' || (object === 'process' && (name === 'stdout' || name === 'stderr'))) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        out.push(`${rel(file)}:${line + 1}: ${object}.${name} (emit events or return values; only src/cli prints)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('architecture', () => {
  const files = sourceFiles().map((file) => ({ file, text: readFileSync(file, 'utf8') }));

  it('finds the sources', () => {
    assert.ok(files.some((f) => rel(f.file) === 'cli/main.ts'));
  });

  it('maps files to modules', () => {
    assert.equal(moduleOf('dockerfile/syntax/parse.ts'), 'dockerfile/syntax');
    assert.equal(moduleOf('dockerfile/instructions/run.ts'), 'dockerfile/instructions');
    assert.equal(moduleOf('cli/commands/build.ts'), 'cli');
    assert.equal(moduleOf('main.ts'), '');
  });

  it('sees every kind of import specifier', () => {
    const text = `import a from './a.ts'; import type { B } from '../b.ts'; export * from './c.ts';
      export { d } from './d.ts'; const e = await import('./e.ts');`;
    assert.deepEqual(importSpecifiers(text), ['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts']);
  });

  it('imports only across the lines ARCHITECTURE.md allows', () => {
    assert.deepEqual(files.flatMap((f) => importViolations(f.file, f.text)), []);
  });

  it('catches a forbidden import (self-test)', () => {
    const file = join(SRC, 'plan', 'x.ts');
    assert.equal(importViolations(file, `import { x } from '../build/y.ts'; import 'commander';`).length, 2);
    assert.deepEqual(importViolations(file, `import { x } from '../util/errors.ts'; import 'node:fs'; import 'zod';`), []);
    // Layers are transitive, but build never reaches registry and cli reaches only api and util.
    assert.deepEqual(importViolations(file, `import type { T } from '../dockerfile/syntax/index.ts';`), []);
    assert.equal(importViolations(join(SRC, 'build', 'x.ts'), `import '../registry/pull.ts';`).length, 1);
    assert.equal(importViolations(join(SRC, 'cli', 'x.ts'), `import '../oci/digest.ts'; import '../plan/index.ts';`).length, 2);
    assert.deepEqual(importViolations(join(SRC, 'cli', 'x.ts'), `import '../api/index.ts'; import 'commander';`), []);
  });

  it('prints only from src/cli', () => {
    assert.deepEqual(files.flatMap((f) => printingViolations(f.file, f.text)), []);
  });

  it('catches printing (self-test)', () => {
    const file = join(SRC, 'plan', 'x.ts');
    const text = `// console.log in a comment is fine\nconsole.log(1);\nprocess.stdout.write('x');\nconst s = 'process.stderr';`;
    assert.equal(printingViolations(file, text).length, 2);
  });

  it('keeps every file under 500 lines', () => {
    const long = files
      .map((f) => ({ file: rel(f.file), lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) }))
      .filter((f) => f.lines > 500)
      .map((f) => `${f.file}: ${f.lines} lines`);
    assert.deepEqual(long, []);
  });
});
