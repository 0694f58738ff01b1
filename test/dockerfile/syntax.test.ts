// The Dockerfile syntax layer beyond BuildKit's golden files: heredocs, the rarer keywords, ONBUILD
// nesting, directives, line endings, positions of every node, and the errors the parser reports.
// Expected values follow BuildKit's parser (frontend/dockerfile/parser, incl. parser_heredoc_test.go).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeredocLexError, parseHeredocMarker } from '../../src/dockerfile/syntax/heredoc-marker.ts';
import type { Diagnostic, InstructionNode, ParseResult } from '../../src/dockerfile/syntax/index.ts';
import { parseDockerfile } from '../../src/dockerfile/syntax/index.ts';
import { MAX_ONBUILD_DEPTH } from '../../src/dockerfile/syntax/parse.ts';
import { dumpTree } from '../helpers/ast-dump.ts';

const errors = (r: ParseResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === 'error');
const warnings = (r: ParseResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === 'warning');

/** Parses text that must be free of errors; returns its instructions. */
function ok(text: string): InstructionNode[] {
  const r = parseDockerfile(text);
  assert.deepEqual(errors(r), [], `unexpected errors for ${JSON.stringify(text)}`);
  return r.tree.instructions;
}

/** The single error the text must produce. */
function oneError(text: string): Diagnostic {
  const errs = errors(parseDockerfile(text));
  assert.equal(errs.length, 1, `expected one error, got ${JSON.stringify(errs)}`);
  return errs[0]!;
}

const dump = (text: string): string => dumpTree(parseDockerfile(text).tree);
const pos = (line: number, column: number): { line: number; column: number } => ({ line, column });
const heredocView = (n: InstructionNode): unknown[] =>
  n.heredocs.map(({ name, expand, chomp, fd, content }) => ({ name, expand, chomp, fd, content }));

describe('heredocs', () => {
  it('RUN <<EOF reads the body up to the terminator; the argument keeps the marker', () => {
    const text = 'FROM alpine\nRUN <<EOF\necho hi\n# not a comment here\n\necho there\nEOF\nUSER me\n';
    const [, run, user] = ok(text);
    assert.deepEqual(run!.args, ['<<EOF']);
    assert.deepEqual(heredocView(run!), [
      { name: 'EOF', expand: true, chomp: false, fd: undefined, content: 'echo hi\n# not a comment here\n\necho there\n' },
    ]);
    assert.equal(user!.name, 'user');
    assert.equal(dump(text), '(from "alpine")\n(run "<<EOF")\n(user "me")\n');
  });

  it('the instruction range covers the body and terminator; the heredoc range covers body and terminator', () => {
    const [, run, user] = ok('FROM a\nRUN <<EOF\nline one\nline two\nEOF\nUSER me\n');
    assert.deepEqual(run!.range, { start: pos(2, 1), end: pos(5, 4) });
    assert.deepEqual(run!.heredocs[0]!.range, { start: pos(3, 1), end: pos(5, 4) });
    assert.deepEqual(user!.range.start, pos(6, 1));
  });

  it('an empty body: the terminator right after the instruction', () => {
    const [run] = ok('RUN <<EMPTY\nEMPTY\n');
    assert.equal(run!.heredocs[0]!.content, '');
    assert.deepEqual(run!.range, { start: pos(1, 1), end: pos(2, 6) });
  });

  it('<<-EOF chomps: tab-indented terminator matches, the body is kept raw', () => {
    const [run] = ok('RUN <<-EOF\n\tbaz\n\t\tquux\n\t\tEOF\n');
    assert.deepEqual(heredocView(run!), [{ name: 'EOF', expand: true, chomp: true, fd: undefined, content: '\tbaz\n\t\tquux\n' }]);
  });

  it('without `-`, a tab-indented terminator is body text', () => {
    const [run] = ok('RUN <<EOF\n\tfoo\n\tEOF\nEOF\n');
    assert.equal(run!.heredocs[0]!.content, '\tfoo\n\tEOF\n');
  });

  it('the terminator must be the whole line', () => {
    const [run] = ok('RUN <<EOF\nEOF \n EOF\nEOFX\nEOF\n');
    assert.equal(run!.heredocs[0]!.content, 'EOF \n EOF\nEOFX\n');
  });

  for (const [marker, name] of [["<<'EOF'", 'EOF'], ['<<"EOF"', 'EOF'], ['<<E"O"F', 'EOF'], ["<<eo'f'", 'eof'], ["<<-'EOF'", 'EOF']] as const) {
    it(`${marker}: quoted terminator, body not expanded`, () => {
      const [run] = ok(`RUN ${marker}\n\tdon't expand $NAME\n${marker.startsWith('<<-') ? '\t' : ''}${name}\n`);
      assert.equal(run!.heredocs.length, 1);
      assert.equal(run!.heredocs[0]!.name, name);
      assert.equal(run!.heredocs[0]!.expand, false);
      assert.equal(run!.heredocs[0]!.content, "\tdon't expand $NAME\n");
    });
  }

  it('a backslash is not a quote: <<eo\\\'f expands (name eo\'f), <<\'e\'o\\\'f does not', () => {
    const [a, b] = ok("RUN <<eo\\'f\necho foo\neo'f\nRUN <<'e'o\\'f\necho foo\neo'f\n");
    assert.deepEqual(heredocView(a!), [{ name: "eo'f", expand: true, chomp: false, fd: undefined, content: 'echo foo\n' }]);
    assert.deepEqual(heredocView(b!), [{ name: "eo'f", expand: false, chomp: false, fd: undefined, content: 'echo foo\n' }]);
  });

  it('3<<EOF records the file descriptor', () => {
    const [run] = ok('RUN 3<<EOF cat /dev/fd/3\nhello\nEOF\n');
    assert.deepEqual(heredocView(run!), [{ name: 'EOF', expand: true, chomp: false, fd: 3, content: 'hello\n' }]);
    assert.deepEqual(run!.args, ['3<<EOF cat /dev/fd/3']);
  });

  it('several heredocs on one line are read in order', () => {
    const text = 'FROM a\nCOPY <<A <<B /dest/\ncontent a\nA\ncontent b\nB\nRUN ls\n';
    const [, copy, run] = ok(text);
    assert.deepEqual(copy!.args, ['<<A', '<<B', '/dest/']);
    assert.deepEqual(copy!.heredocs.map((h) => [h.name, h.content]), [['A', 'content a\n'], ['B', 'content b\n']]);
    assert.deepEqual(copy!.heredocs.map((h) => [h.range.start.line, h.range.end.line]), [[3, 4], [5, 6]]);
    assert.deepEqual(copy!.range, { start: pos(2, 1), end: pos(6, 2) });
    assert.equal(run!.range.start.line, 7);
    assert.equal(dump(text), '(from "a")\n(copy "<<A" "<<B" "/dest/")\n(run "ls")\n');
  });

  it('each body ends at its own terminator, even when it names the other heredoc', () => {
    const [copy] = ok('COPY <<X <<Y /dest\nY\nX\nX\nY\n');
    assert.deepEqual(copy!.heredocs.map((h) => [h.name, h.content]), [['X', 'Y\n'], ['Y', 'X\n']]);
  });

  it('ADD, flags before the marker, and words after it', () => {
    const [add, run] = ok('ADD --chmod=644 <<file.txt /dest\nhello world\nfile.txt\nRUN --mount=type=cache,target=/foo <<MOUNT python3\nprint(1)\nMOUNT\n');
    assert.deepEqual(add!.flags.map((f) => f.text), ['--chmod=644']);
    assert.deepEqual(add!.heredocs.map((h) => [h.name, h.content]), [['file.txt', 'hello world\n']]);
    assert.deepEqual(run!.args, ['<<MOUNT python3']);
    assert.deepEqual(run!.heredocs.map((h) => [h.name, h.content]), [['MOUNT', 'print(1)\n']]);
  });

  it('a marker on a continued line', () => {
    const [run, user] = ok('RUN cat \\\n  <<EOF\nbody\nEOF\nUSER x\n');
    assert.deepEqual(run!.heredocs.map((h) => h.content), ['body\n']);
    assert.deepEqual(run!.range, { start: pos(1, 1), end: pos(4, 4) });
    assert.equal(user!.range.start.line, 5);
  });

  it('ONBUILD RUN <<EOF: the body belongs to the nested RUN, the range to the ONBUILD line', () => {
    const text = 'FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nUSER x\n';
    const [, onbuild, user] = ok(text);
    assert.equal(onbuild!.child?.name, 'run');
    assert.deepEqual(onbuild!.child!.heredocs.map((h) => [h.name, h.content]), [['EOF', 'echo hi\n']]);
    assert.deepEqual(onbuild!.range, { start: pos(2, 1), end: pos(4, 4) });
    assert.equal(user!.range.start.line, 5);
    assert.equal(dump(text), '(from "a")\n(onbuild (run "<<EOF"))\n(user "x")\n');
  });

  it('the JSON form is never a heredoc', () => {
    const [run, cmd, copy] = ok('RUN ["<<EOF"]\nCMD x\nCOPY ["<<EOF", "/x"]\n');
    assert.equal(run!.json, true);
    assert.deepEqual(run!.heredocs, []);
    assert.deepEqual(cmd!.args, ['x']);
    assert.deepEqual(copy!.args, ['<<EOF', '/x']);
    assert.deepEqual(copy!.heredocs, []);
  });

  it('a quoted marker, other keywords, and ONBUILD with JSON are not heredocs', () => {
    const nodes = ok('RUN "<<EOF"\nRUN \'<<EOF\'\nUSER <<INVALID\nONBUILD RUN ["<<EOF"]\nEOF\n');
    assert.deepEqual(nodes.map((n) => n.name), ['run', 'run', 'user', 'onbuild', 'eof']);
    assert.ok(nodes.every((n) => n.heredocs.length === 0 && (n.child?.heredocs.length ?? 0) === 0));
  });

  it('an unterminated heredoc is an error positioned on the instruction', () => {
    const r = parseDockerfile('FROM a\nRUN <<EOF\necho hi\n');
    const errs = errors(r);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.code, 'unterminated-heredoc');
    assert.equal(errs[0]!.range.start.line, 2);
    assert.equal(r.tree.instructions[1]!.range.end.line, 3);
  });

  it('an unterminated second heredoc is an error too', () => {
    const d = oneError('COPY <<A <<B /x\na\nA\nb\n');
    assert.equal(d.code, 'unterminated-heredoc');
    assert.equal(d.range.start.line, 1);
  });

  it('BuildKit quirks: blanks after <<, spaces inside quotes, $ in the word', () => {
    const nodes = ok("RUN <<  EOF\nEOF\nRUN <<  EOF  > foo\nEOF\nRUN <<'one two'\necho bar\none two\nRUN <<$EOF\n$EOF\n");
    assert.deepEqual(nodes.map((n) => n.heredocs.map((h) => [h.name, h.content, h.expand])), [
      [['EOF', '', true]],
      [['EOF', '', true]],
      [['one two', 'echo bar\n', false]],
      [['$EOF', '', true]],
    ]);
  });

  it('BuildKit quirks: `<<- EOF` is no heredoc, `<< -EOF` is one named -EOF', () => {
    const [a, b] = ok('RUN <<- EOF\nRUN << -EOF\n-EOF\n');
    assert.deepEqual(a!.heredocs, []);
    assert.deepEqual(b!.heredocs.map((h) => [h.name, h.chomp]), [['-EOF', false]]);
  });

  it('an unterminated quote anywhere on the line means no heredocs (BuildKit ignores the line)', () => {
    const nodes = ok('RUN <<EOF echo "oops\nUSER x\n');
    assert.deepEqual(nodes.map((n) => [n.name, n.heredocs.length]), [['run', 0], ['user', 0]]);
  });

  it('a CRLF file: the terminator matches, the body keeps its \\r\\n', () => {
    const [run, user] = ok('RUN <<EOF\r\necho hi\r\nEOF\r\nUSER x\r\n');
    assert.equal(run!.heredocs[0]!.content, 'echo hi\r\n');
    assert.deepEqual(user!.args, ['x']);
  });

  it('parseHeredocMarker agrees with BuildKit\'s helper table', () => {
    for (const word of ['<<EOF', "<<'EOF'", '<<"EOF"', '<<-EOF', "<<-'EOF'", '<<-"EOF"', '<<EO"F"', '<< EOF', '<<- EOF']) {
      assert.equal(parseHeredocMarker(word)?.name, 'EOF', word);
    }
    for (const word of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"']) {
      assert.throws(() => parseHeredocMarker(word), HeredocLexError, word);
    }
    for (const word of ['', 'EOF', '<<', '<<-', '<EOF', '<<<EOF', '<<EOF sh', "<<''"]) {
      assert.equal(parseHeredocMarker(word), undefined, word);
    }
  });
});

describe('rarer instructions', () => {
  it('SHELL: JSON form decoded, otherwise one verbatim argument', () => {
    const [a, b] = ok('SHELL ["powershell", "-command"]\nSHELL /bin/sh -c\n');
    assert.deepEqual([a!.args, a!.json], [['powershell', '-command'], true]);
    assert.deepEqual([b!.args, b!.json], [['/bin/sh -c'], false]);
  });

  it('STOPSIGNAL and MAINTAINER keep the rest verbatim', () => {
    const [s, m] = ok('STOPSIGNAL  SIGKILL  \nMAINTAINER  Jane "J" Doe <jane@example.com>\n');
    assert.deepEqual(s!.args, ['SIGKILL']);
    assert.deepEqual(m!.args, ['Jane "J" Doe <jane@example.com>']);
    assert.equal(dump('STOPSIGNAL 9\nMAINTAINER a b\n'), '(stopsignal "9")\n(maintainer "a b")\n');
  });

  it('HEALTHCHECK NONE, CMD shell form with flags, CMD JSON form, bare', () => {
    const [none, shell, json, bare] = ok(
      'HEALTHCHECK NONE\nHEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://localhost/ || exit 1\n' +
      'HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]\nHEALTHCHECK\n',
    );
    assert.deepEqual(none!.args, ['NONE']);
    assert.deepEqual(shell!.flags.map((f) => [f.name, f.value]), [['interval', '5s'], ['timeout', '3s']]);
    assert.deepEqual(shell!.args, ['CMD', 'curl -f http://localhost/ || exit 1']);
    assert.equal(shell!.json, false);
    assert.deepEqual(json!.args, ['CMD', 'curl', '-f', 'http://localhost/']);
    assert.equal(json!.json, true);
    assert.deepEqual(bare!.args, []);
  });

  it('HEALTHCHECK CMD with a non-string JSON element is an error', () => {
    assert.equal(oneError('HEALTHCHECK CMD ["a", 1]\n').code, 'json-not-strings');
  });

  it('an unknown keyword parses with a single empty argument and no diagnostic', () => {
    const r = parseDockerfile('FROM a\nFOO bar baz\n');
    assert.deepEqual(r.diagnostics, []);
    const foo = r.tree.instructions[1]!;
    assert.deepEqual([foo.keyword, foo.name, foo.args, foo.rest], ['FOO', 'foo', [''], 'bar baz']);
    assert.equal(dumpTree(r.tree), '(from "a")\n(foo "")\n');
  });

  it('keywords in any case: the keyword is kept, the name lowercased', () => {
    const nodes = ok('fRoM alpine AS b\nrun echo hi\nCoPy --From=b a b\nOnBuild rUn x\n');
    assert.deepEqual(nodes.map((n) => [n.keyword, n.name]), [['fRoM', 'from'], ['run', 'run'], ['CoPy', 'copy'], ['OnBuild', 'onbuild']]);
    assert.deepEqual(nodes[2]!.flags.map((f) => f.name), ['From']);
    assert.deepEqual([nodes[3]!.child!.keyword, nodes[3]!.child!.name], ['rUn', 'run']);
  });

  it('the keyword ends at the trimmed line end (a trailing Unicode space is not part of it)', () => {
    const [run] = ok('RUN\u00a0\n');
    assert.deepEqual([run!.keyword, run!.args], ['RUN', []]);
  });
});

describe('ONBUILD', () => {
  it('the nested instruction keeps its own flags and arguments', () => {
    const text = 'ONBUILD COPY --from=x a b\n';
    const [on] = ok(text);
    assert.deepEqual(on!.flags, []);
    assert.deepEqual(on!.args, []);
    const child = on!.child!;
    assert.deepEqual([child.name, child.args, child.rest], ['copy', ['a', 'b'], 'a b']);
    assert.deepEqual(child.flags.map(({ text: t, name, value }) => ({ text: t, name, value })), [{ text: '--from=x', name: 'from', value: 'x' }]);
    assert.deepEqual(child.flags[0]!.range, { start: pos(1, 14), end: pos(1, 22) });
    assert.deepEqual(child.keywordRange, { start: pos(1, 9), end: pos(1, 13) });
    assert.deepEqual(child.range.start, pos(1, 9));
    assert.equal(dump(text), '(onbuild (copy ["--from=x"] "a" "b"))\n');
  });

  it('flags of ONBUILD itself, extra blanks, and a bare ONBUILD', () => {
    const [a, b] = ok('ONBUILD --x   RUN   echo hi\nONBUILD\n');
    assert.deepEqual(a!.flags.map((f) => f.text), ['--x']);
    assert.deepEqual([a!.child!.name, a!.child!.args], ['run', ['echo hi']]);
    assert.equal(a!.child!.keywordRange.start.column, 15);
    assert.equal(b!.child, undefined);
    assert.equal(dump('ONBUILD\n'), '(onbuild)\n');
  });

  it('ONBUILD ONBUILD is accepted by the parser (the instruction layer rejects it)', () => {
    assert.equal(dump('ONBUILD ONBUILD RUN x\n'), '(onbuild (onbuild (run "x")))\n');
  });

  it('nesting deeper than the cap is an error, not a stack overflow', () => {
    const r = parseDockerfile('ONBUILD '.repeat(100_000) + 'RUN x\n');
    assert.deepEqual(errors(r).map((d) => [d.code, d.range.start.line]), [['onbuild-nesting', 1]]);
    let depth = 0;
    for (let n: InstructionNode | undefined = r.tree.instructions[0]; n; n = n.child) depth++;
    assert.equal(depth, MAX_ONBUILD_DEPTH);
  });
});

describe('parser directives', () => {
  it('syntax, check and escape are recorded with their ranges', () => {
    const r = parseDockerfile('# syntax=docker/dockerfile:1\n#check=skip=all\n# ESCAPE = `\nFROM a\n');
    assert.deepEqual(errors(r), []);
    assert.deepEqual(r.tree.directives, [
      { name: 'syntax', value: 'docker/dockerfile:1', range: { start: pos(1, 1), end: pos(1, 29) } },
      { name: 'check', value: 'skip=all', range: { start: pos(2, 1), end: pos(2, 16) } },
      { name: 'escape', value: '`', range: { start: pos(3, 1), end: pos(3, 13) } },
    ]);
    assert.equal(r.tree.escapeToken, '`');
  });

  it('# check=skip=all keeps the whole value', () => {
    const r = parseDockerfile('# check=skip=all;error=true\nFROM a\n');
    assert.deepEqual(r.tree.directives.map((d) => [d.name, d.value]), [['check', 'skip=all;error=true']]);
  });

  it('# escape=` makes the backtick the continuation and escape character; \\ is literal', () => {
    const r = parseDockerfile('# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo `\n  done\nCOPY --chown=a\\b x y\n');
    assert.deepEqual(errors(r), []);
    const [, run, copy] = r.tree.instructions;
    assert.deepEqual(run!.args, ['dir c:\\   && echo   done']);
    assert.deepEqual(run!.range, { start: pos(3, 1), end: pos(5, 7) });
    // BuildKit's flag scanner uses the directive's escape token, so `\` stays in the flag.
    assert.deepEqual(copy!.flags.map((f) => f.text), ['--chown=a\\b']);
  });

  it('a directive after a comment, blank line or instruction is an ordinary comment', () => {
    for (const text of ['# hello\n# escape=`\nFROM a\n', '\n# escape=`\nFROM a\n', 'FROM a\n# escape=`\n', '# foo=bar\n# escape=`\nFROM a\n']) {
      const r = parseDockerfile(text);
      assert.equal(r.tree.escapeToken, '\\', text);
      assert.ok(r.tree.directives.every((d) => d.name !== 'escape'), text);
    }
  });

  it('leading whitespace before # is allowed (BuildKit strips it before looking for directives)', () => {
    const r = parseDockerfile('  # escape=`\nFROM a\n');
    assert.equal(r.tree.escapeToken, '`');
  });

  it('a repeated directive is an error on its line', () => {
    const d = oneError('# syntax=a\n# escape=`\n# SYNTAX=b\nFROM a\n');
    assert.deepEqual([d.code, d.range.start.line], ['duplicate-directive', 3]);
  });

  it('an invalid escape token is an error', () => {
    const d = oneError('# escape=x\nFROM a\n');
    assert.deepEqual([d.code, d.range.start.line], ['invalid-escape', 1]);
  });

  it('a very long directive line is parsed in linear time', () => {
    const r = parseDockerfile('# syntax=a' + ' '.repeat(200_000) + 'b  \nFROM a\n');
    assert.equal(r.tree.directives[0]!.value, 'a' + ' '.repeat(200_000) + 'b');
  });
});

describe('line endings, BOM, comments and continuations', () => {
  it('CRLF line endings are stripped everywhere, also before a continuation', () => {
    const r = parseDockerfile('FROM a\r\nRUN echo \\\r\n  hi\r\nENV A=b\r\n');
    assert.deepEqual(errors(r), []);
    assert.deepEqual(r.tree.lines, ['FROM a', 'RUN echo \\', '  hi', 'ENV A=b']);
    assert.equal(dumpTree(r.tree), '(from "a")\n(run "echo   hi")\n(env "A" "b" "=")\n');
    assert.deepEqual(r.tree.instructions[1]!.range, { start: pos(2, 1), end: pos(3, 5) });
  });

  it('a UTF-8 BOM is dropped, also before a directive', () => {
    const [from] = ok('\ufeffFROM a\n');
    assert.deepEqual([from!.keyword, from!.keywordRange], ['FROM', { start: pos(1, 1), end: pos(1, 5) }]);
    assert.equal(parseDockerfile('\ufeff# escape=`\nFROM a\n').tree.escapeToken, '`');
  });

  it('comments inside a continuation are skipped silently; blank lines give a warning', () => {
    const quiet = parseDockerfile('RUN a \\\n# comment\n  # indented comment\n  b\n');
    assert.deepEqual(quiet.diagnostics, []);
    assert.deepEqual(quiet.tree.instructions[0]!.args, ['a   b']);
    assert.equal(quiet.tree.instructions[0]!.range.end.line, 4);

    const r = parseDockerfile('FROM x\nRUN a \\\n\n   \n  b\nUSER u\n');
    assert.deepEqual(errors(r), []);
    assert.deepEqual(warnings(r).map((d) => [d.code, d.range.start.line, d.range.end.line]), [['empty-continuation', 2, 5]]);
    assert.deepEqual(r.tree.instructions[1]!.args, ['a   b']);
  });

  it('a continuation at end of file ends the instruction', () => {
    assert.equal(dump('FROM a\nRUN x \\'), '(from "a")\n(run "x")\n');
  });
});

describe('positions', () => {
  it('flag ranges are exact, on the first and on a continued line', () => {
    const [, copy, copy2] = ok('FROM a\nCOPY --from=x a b\nCOPY \\\n    --chown=1:2 --chmod=600 a b\n');
    assert.deepEqual(copy!.flags[0]!.range, { start: pos(2, 6), end: pos(2, 14) });
    assert.deepEqual(copy2!.flags.map((f) => f.range), [
      { start: pos(4, 5), end: pos(4, 16) },
      { start: pos(4, 17), end: pos(4, 28) },
    ]);
  });

  it('keyword ranges skip leading indentation', () => {
    const [from, run] = ok('FROM a\n   RUN  x\n');
    assert.deepEqual(from!.keywordRange, { start: pos(1, 1), end: pos(1, 5) });
    assert.deepEqual(run!.keywordRange, { start: pos(2, 4), end: pos(2, 7) });
    assert.deepEqual(run!.range, { start: pos(2, 4), end: pos(2, 10) });
  });

  it('a multi-line instruction spans to the end of its last physical line', () => {
    const [, run] = ok('FROM a\nRUN a \\\n  b \\\n  # c\n  d\nUSER x\n');
    assert.deepEqual(run!.range, { start: pos(2, 1), end: pos(5, 4) });
    assert.equal(run!.original, 'RUN a   b   d');
  });
});

describe('arguments and errors', () => {
  it('ENV in the legacy form without a value is an error on its line', () => {
    const d = oneError('FROM a\n\nENV PATH\n');
    assert.deepEqual([d.code, d.range.start.line], ['missing-value', 3]);
  });

  it('ENV in the new form needs = in every word', () => {
    assert.equal(oneError('ENV a=b c\n').code, 'missing-equals');
  });

  it('LABEL k=v lists keep quotes and escapes raw', () => {
    const [label] = ok('LABEL "a b"="c d" e=\'f g\' h=i\\ j k= \\\n  l="m"\n');
    assert.deepEqual(label!.args, ['"a b"', '"c d"', '=', 'e', "'f g'", '=', 'h', 'i\\ j', '=', 'k', '', '=', 'l', '"m"', '=']);
  });

  for (const text of ['CMD ["a", 1]', 'ENTRYPOINT [null]', 'RUN [["a"]]', 'COPY ["a", 1]', 'ADD [true, "b"]', 'VOLUME [1]', 'SHELL [{}]']) {
    it(`a JSON array with a non-string element is an error: ${text}`, () => {
      const d = oneError(`FROM a\n${text}\n`);
      assert.deepEqual([d.code, d.range.start.line], ['json-not-strings', 2]);
    });
  }

  it('invalid JSON falls back to the shell form without error', () => {
    const [cmd, copy] = ok("CMD ['a', 'b']\nCOPY [\"a\" /x\n");
    assert.deepEqual([cmd!.args, cmd!.json], [["['a', 'b']"], false]);
    assert.deepEqual([copy!.args, copy!.json], [['["a"', '/x'], false]);
  });

  it('flag words: quotes removed, `--` ends the flags', () => {
    const [copy, run] = ok('COPY --chown="a b" -- --x /y\nRUN --mount=type=secret,id=a --network=none echo hi\n');
    assert.deepEqual(copy!.flags.map((f) => f.text), ['--chown=a b']);
    assert.deepEqual(copy!.args, ['--x', '/y']);
    assert.deepEqual(run!.flags.map((f) => [f.name, f.value]), [['mount', 'type=secret,id=a'], ['network', 'none']]);
    assert.deepEqual(run!.args, ['echo hi']);
  });

  for (const [label, text] of [['empty file', ''], ['newline only', '\n'], ['blank lines', '\n  \n\t\n'], ['comments only', '# a\n\n  # b\n'], ['directives only', '# syntax=x\n'], ['BOM only', '\ufeff']] as const) {
    it(`${label}: empty-dockerfile error`, () => {
      const r = parseDockerfile(text);
      assert.deepEqual(r.tree.instructions, []);
      assert.deepEqual(errors(r).map((d) => d.code), ['empty-dockerfile']);
      assert.ok(errors(r)[0]!.range.start.line >= 1);
    });
  }
});
