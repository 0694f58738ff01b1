// The pure halves of heredocs and git sources, from tables: what a RUN with heredocs runs (script,
// `#!` file, reconstituted command line), how COPY heredoc bodies are expanded (raw quotes, escapes,
// quoted terminators, `<<-`), and which ADD sources are git repositories and what they name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGitRef } from '../../src/build/git/ref.ts';
import { runHeredoc, splitHeredocSources } from '../../src/build/heredoc.ts';
import { convertTree, type AddInstruction, type CopyInstruction, type RunInstruction } from '../../src/dockerfile/instructions/index.ts';
import { expandWord } from '../../src/dockerfile/shell/index.ts';
import { parseDockerfile } from '../../src/dockerfile/syntax/index.ts';
import { isBerthError } from '../../src/util/errors.ts';

function instruction<T>(text: string): T {
  const { instructions, errors } = convertTree(parseDockerfile(`FROM scratch\n${text}`).tree);
  assert.deepEqual(errors, []);
  return instructions[1] as T;
}

describe('runHeredoc', () => {
  const cases: Array<[string, string, ReturnType<typeof runHeredoc>]> = [
    ['the only word: the body is the script', 'RUN <<EOF\necho a\necho b\nEOF\n', { kind: 'script', script: 'echo a\necho b\n' }],
    ['<<- strips leading tabs of the script', 'RUN <<-EOF\n\techo a\n\t\techo b\n\tEOF\n', { kind: 'script', script: 'echo a\necho b\n' }],
    ['a quoted terminator is still the script (RUN never expands)', "RUN <<'EOF'\necho $HOME\nEOF\n", { kind: 'script', script: 'echo $HOME\n' }],
    ['#! makes a file under /dev/pipes', 'RUN <<PY\n#!/usr/bin/env python3\nprint(1)\nPY\n', { kind: 'file', name: 'PY', content: '#!/usr/bin/env python3\nprint(1)\n', script: '/dev/pipes/PY' }],
    ['a command line keeps every body for the shell', 'RUN cat <<A > /a && cat <<B > /b\none\nA\ntwo\nB\n', { kind: 'script', script: 'cat <<A > /a && cat <<B > /b\none\nA\ntwo\nB' }],
    ['#! after a command is only text for the shell', 'RUN python3 <<EOF\n#!/bin/false\nprint(1)\nEOF\n', { kind: 'script', script: 'python3 <<EOF\n#!/bin/false\nprint(1)\nEOF' }],
  ];
  for (const [name, text, want] of cases) {
    it(name, () => assert.deepEqual(runHeredoc(instruction<RunInstruction>(text)), want));
  }
  it('nothing to do without heredocs', () => assert.equal(runHeredoc(instruction<RunInstruction>('RUN echo hi\n')), undefined));
});

describe('splitHeredocSources', () => {
  const env = new Map([['NAME', 'world'], ['EMPTY', '']]);
  const lookup = (k: string): string | undefined => env.get(k);
  it('separates paths from inline files, expanding unquoted bodies with quotes kept', () => {
    const inst = instruction<CopyInstruction>(`COPY a.txt <<one <<"two" <<-three /dest/\nhi $NAME "q" '\${NAME}' \\$NAME\none\nraw $NAME\ntwo\n\t\tkey=$NAME\n\tthree\n`);
    assert.deepEqual(splitHeredocSources(inst, lookup), {
      paths: ['a.txt'],
      files: [
        { name: 'one', content: 'hi world "q" \'world\' $NAME\n' },
        { name: 'two', content: 'raw $NAME\n' },
        { name: 'three', content: 'key=world\n' },
      ],
    });
  });
  it('works for ADD too', () => {
    const inst = instruction<AddInstruction>('ADD <<EOF /x\n${EMPTY:-default}\nEOF\n');
    assert.deepEqual(splitHeredocSources(inst, lookup), { paths: [], files: [{ name: 'EOF', content: 'default\n' }] });
  });
  it('skipQuotes: quotes are text, escapes and $ still apply', () => {
    const table: Array<[string, string]> = [
      [`'$NAME'`, `'world'`],
      [`"$NAME"`, `"world"`],
      [`\\"x\\"`, `"x"`],
      [`it's`, `it's`],
    ];
    for (const [word, want] of table) assert.equal(expandWord(word, lookup, { skipQuotes: true }).value, want, word);
  });
});

describe('parseGitRef', () => {
  const table: Array<[string, ReturnType<typeof parseGitRef>]> = [
    ['https://github.com/moby/buildkit.git', { remote: 'https://github.com/moby/buildkit.git', ref: '', subdir: '' }],
    ['https://example.com/r.git#v1.0:docs/api', { remote: 'https://example.com/r.git', ref: 'v1.0', subdir: 'docs/api' }],
    ['http://127.0.0.1:8080/r.git#main', { remote: 'http://127.0.0.1:8080/r.git', ref: 'main', subdir: '' }],
    ['git@github.com:moby/buildkit.git#main:./frontend/', { remote: 'git@github.com:moby/buildkit.git', ref: 'main', subdir: 'frontend' }],
    ['git://127.0.0.1/r.git#:sub', { remote: 'git://127.0.0.1/r.git', ref: '', subdir: 'sub' }],
    ['ssh://git@example.com/r#0123456789abcdef0123456789abcdef01234567', { remote: 'ssh://git@example.com/r', ref: '0123456789abcdef0123456789abcdef01234567', subdir: '' }],
    ['https://example.com/file.tar.gz', undefined],
    ['https://example.com/r.git.tar', undefined],
    ['./local.git', undefined],
    ['src/', undefined],
  ];
  for (const [source, want] of table) it(source, () => assert.deepEqual(parseGitRef(source), want));

  it('refuses a subdirectory leaving the repository and a ref that looks like an option', () => {
    for (const bad of ['https://example.com/r.git#main:../../etc', 'git://h/r.git#--upload-pack=x']) {
      assert.throws(() => parseGitRef(bad), (e: unknown) => isBerthError(e) && e.code === 'GIT_SOURCE', bad);
    }
  });
});
