// BuildKit's parser golden files: every positive case reproduces its AST dump, every negative fails.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDockerfile } from '../../src/dockerfile/syntax/index.ts';
import { dumpTree } from '../helpers/ast-dump.ts';
import { conformancePath, SKIP_NO_SHARED } from '../helpers/shared.ts';

const root = conformancePath('buildkit-parser');

describe('BuildKit parser conformance', { skip: root ? false : SKIP_NO_SHARED }, () => {
  const dir = (sub: string): string => `${root}/${sub}`;
  const cases = root ? readdirSync(dir('testfiles')).sort() : [];

  for (const name of cases) {
    it(`positive: ${name}`, () => {
      const text = readFileSync(`${dir('testfiles')}/${name}/Dockerfile`, 'utf8');
      const want = readFileSync(`${dir('testfiles')}/${name}/result`, 'utf8');
      const { tree, diagnostics } = parseDockerfile(text);
      assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
      assert.equal(dumpTree(tree), want);
    });
  }

  const negatives = root ? readdirSync(dir('testfiles-negative')).sort() : [];
  for (const name of negatives) {
    it(`negative: ${name}`, () => {
      const text = readFileSync(`${dir('testfiles-negative')}/${name}/Dockerfile`, 'utf8');
      const errors = parseDockerfile(text).diagnostics.filter((d) => d.severity === 'error');
      assert.ok(errors.length > 0, 'expected a parse error');
      for (const e of errors) assert.ok(e.range.start.line >= 1, 'errors are positioned');
    });
  }

  it('line numbers (testfile-line)', () => {
    const text = readFileSync(dir('testfile-line/Dockerfile'), 'utf8');
    const { tree } = parseDockerfile(text);
    assert.deepEqual(
      tree.instructions.map((n) => [n.range.start.line, n.range.end.line]),
      [[5, 5], [11, 12], [17, 31]],
    );
  });
});
