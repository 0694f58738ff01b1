// Deterministic fuzzing of the Dockerfile parser: random Dockerfiles from a grammar of awkward
// fragments, byte-level mutations of BuildKit's golden Dockerfiles, and a few adversarial inputs.
// For every input the parser must return (never throw), position everything inside the source, and
// produce at least one instruction whenever it reports no error.
//
// Reproduce a failure with the seed and case number printed in its message:
//   BERTH_FUZZ_SEED=<seed> node --import tsx --test test/dockerfile/parser-fuzz.test.ts
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { InstructionNode, ParseResult } from '../../src/dockerfile/syntax/index.ts';
import type { Position, SourceRange } from '../../src/util/errors.ts';
import { parseDockerfile } from '../../src/dockerfile/syntax/index.ts';
import { mulberry32, type Rng } from '../helpers/prng.ts';

const SEED = Number(process.env['BERTH_FUZZ_SEED'] ?? 0x5eed_b347) >>> 0;
const GRAMMAR_CASES = 2000;
const MUTATION_CASES = 1000;
/** Far above what these inputs need (tens of milliseconds) even on a loaded machine; the quadratic path this guards against took 28 s for one input. */
const ADVERSARIAL_LIMIT_MS = 15_000;

/** Each case gets its own generator, so a failing case can be rebuilt from (seed, case). */
const caseRng = (kind: number, i: number): Rng => mulberry32((SEED ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(kind, 0x85ebca6b)) >>> 0);

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;
const chance = (rng: Rng, p: number): boolean => rng() < p;

// ---------------------------------------------------------------------------------------------
// Grammar
// ---------------------------------------------------------------------------------------------

const KEYWORDS = [
  'FROM', 'RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'ENV', 'LABEL', 'ARG', 'EXPOSE', 'VOLUME',
  'USER', 'WORKDIR', 'ONBUILD', 'HEALTHCHECK', 'STOPSIGNAL', 'MAINTAINER', 'FOO', 'ONBUILD ONBUILD',
];
const FLAGS = [
  '--from=x', '--mount=type=cache,target=/root/.cache', '--chown="a b"', "--chmod='7'", '--', '--network=none',
  '--link', '--x=\\"', '--interval=5s', '--="', '--a\\', '--p=$X',
];
const WORDS = [
  'echo', 'hi', 'a=b', 'k="v w"', "'single quoted'", '"double \\" quoted"', '"unterminated', "'unterminated",
  '["a", "b"]', '[]', '[1, "x"]', '[', ']', '["\\u0000"]', '{"a":1}', '<<EOF', '<<-EOF', "<<'EOF'", '<<"EOF"',
  '<<E"O"F', '3<<EOF', '<<A', '<<B', '<<  EOF', '<<', '<<<', '$VAR', '${A:-b c}', '${', '${A/x/y}', '\\', '`', '\\\\',
  '\\ ', '=', '==', '#', '# not a comment', '--flag', '-', 'NONE', 'CMD', '☃', '♥', '\u00a0', '\u2028', '\u3000', '😀',
  '\ud800', '\t', '\v', '\f', 'x\ry', '\u0000', '\ufeff', 'c:\\path', '&&', '||', ';', '|', '>', '/dest/', 'ünï', 'PATH',
];
const HEREDOC_LINES = ['EOF', '\tEOF', '\t\tEOF', 'EOF ', 'A', 'B', "'EOF'", 'body line', '\tindented body', '', '#', 'eof'];
const DIRECTIVES = ['# escape=`', '# escape=\\', '#escape=x', '# syntax=docker/dockerfile:1', '#check=skip=all', '# CHECK = error=true', '  # escape = `', '# foo=bar'];
const CONTINUATIONS = [' \\', '\\', ' `', '`', ' \\ \t', '\\\\', ' \\\\\\'];
const ENDINGS = ['\n', '\n', '\n', '\n', '\r\n', '\r', '\r\r\n'];

function randomCase(rng: Rng, s: string): string {
  const mode = int(rng, 4);
  if (mode === 0) return s;
  if (mode === 1) return s.toLowerCase();
  return Array.from(s, (c) => (chance(rng, 0.5) ? c.toLowerCase() : c.toUpperCase())).join('');
}

function instructionLine(rng: Rng): string {
  let line = (chance(rng, 0.2) ? pick(rng, [' ', '\t', '  \t']) : '') + randomCase(rng, pick(rng, KEYWORDS));
  const flags = chance(rng, 0.3) ? int(rng, 4) : 0;
  for (let i = 0; i < flags; i++) line += ' ' + pick(rng, FLAGS);
  const words = int(rng, 6);
  for (let i = 0; i < words; i++) line += pick(rng, [' ', ' ', '  ', '\t', '']) + pick(rng, WORDS);
  if (chance(rng, 0.02)) line += ' ' + pick(rng, WORDS).repeat(500 + int(rng, 4000));
  return line;
}

const JSON_ELEMENTS = ['"a"', '"b c"', '""', '"\\u00e9"', '"\\n"', '"<<EOF"', '"\\\\"', '1', 'null', '["x"]', '"☃"', "'q'"];

/** An exec-form line: mostly valid JSON arrays of strings, sometimes broken or non-string ones. */
function jsonLine(rng: Rng): string {
  const elements = Array.from({ length: int(rng, 4) }, () => (chance(rng, 0.8) ? pick(rng, JSON_ELEMENTS.slice(0, 7)) : pick(rng, JSON_ELEMENTS)));
  const close = chance(rng, 0.9) ? ']' : '';
  return randomCase(rng, pick(rng, ['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME', 'HEALTHCHECK CMD', 'ONBUILD RUN'])) +
    pick(rng, [' ', '  ', '\t']) + '[' + elements.join(pick(rng, [', ', ',', ' ,\t'])) + close;
}

/** Heredoc markers and the line that terminates each (BuildKit's name; chomped ones tab-indented). */
const MARKERS: readonly (readonly [string, string])[] = [
  ['<<EOF', 'EOF'], ['<<-EOF', '\tEOF'], ["<<'EOF'", 'EOF'], ['<<"EOF"', 'EOF'], ['<<E"O"F', 'EOF'], ['3<<EOF', 'EOF'],
  ['<<  EOF', 'EOF'], ['<<A', 'A'], ['<<-B', '\t\tB'], ["<<eo\\'f", "eo'f"], ['<<$V', '$V'], ["<<'a b'", 'a b'],
];

/** Body lines that never terminate any of MARKERS. */
const SAFE_BODY_LINES = ['body line', '\tindented body', '', '#', 'eof', '  EOF', 'EOF ', '# EOF', 'echo $V', '"q"', "'s'", '\\', '`', '<<EOF', '☃ ünï', 'x\ry', ' A', 'B\t'];

/** RUN/COPY/ADD (or ONBUILD RUN) with heredoc markers, their bodies and (usually) terminators. */
function heredocBlock(rng: Rng): string[] {
  const markers = Array.from({ length: 1 + int(rng, 3) }, () => pick(rng, MARKERS));
  const lines = [
    randomCase(rng, pick(rng, ['RUN', 'COPY', 'ADD', 'ONBUILD RUN', 'ONBUILD COPY', 'USER'])) + (chance(rng, 0.2) ? ' --mount=type=cache,target=/x' : '') +
      ' ' + markers.map(([m]) => m).join(' ') + (chance(rng, 0.5) ? ' /dest/' : ''),
  ];
  for (const [, terminator] of markers) {
    const body = int(rng, 4);
    for (let i = 0; i < body; i++) lines.push(pick(rng, [...HEREDOC_LINES, ...WORDS]));
    if (chance(rng, 0.9)) lines.push(terminator);
  }
  return lines;
}

function grammarDockerfile(rng: Rng): string {
  const lines: string[] = [];
  if (chance(rng, 0.15)) lines.push(...Array.from({ length: 1 + int(rng, 3) }, () => pick(rng, DIRECTIVES)));
  const count = int(rng, 25);
  for (let i = 0; i < count; i++) {
    const r = rng();
    if (r < 0.35) lines.push(instructionLine(rng) + (chance(rng, 0.25) ? pick(rng, CONTINUATIONS) : ''));
    else if (r < 0.4) lines.push(jsonLine(rng) + (chance(rng, 0.1) ? pick(rng, CONTINUATIONS) : ''));
    else if (r < 0.45) lines.push(...heredocBlock(rng));
    else if (r < 0.6) lines.push(pick(rng, HEREDOC_LINES));
    else if (r < 0.7) lines.push(pick(rng, ['#', '# comment', '  # indented', '#!shebang', pick(rng, DIRECTIVES)]));
    else if (r < 0.8) lines.push(pick(rng, ['', ' ', '\t', ' \t ']));
    else if (r < 0.9) lines.push(pick(rng, ['  continued', '\tmore args', 'EOF', '-', '\\', '`']) + (chance(rng, 0.3) ? pick(rng, CONTINUATIONS) : ''));
    else lines.push(Array.from({ length: 1 + int(rng, 4) }, () => pick(rng, WORDS)).join(' '));
  }
  let text = chance(rng, 0.05) ? '\ufeff' : '';
  lines.forEach((l, i) => {
    text += l;
    if (i < lines.length - 1 || chance(rng, 0.7)) text += pick(rng, ENDINGS);
  });
  return text;
}

// ---------------------------------------------------------------------------------------------
// Mutations of the golden Dockerfiles
// ---------------------------------------------------------------------------------------------

const GOLDEN_DIR = fileURLToPath(new URL('../../../shared/conformance/buildkit-parser/testfiles/', import.meta.url));
const GOLDEN: { name: string; bytes: Buffer }[] = existsSync(GOLDEN_DIR)
  ? readdirSync(GOLDEN_DIR).sort()
    .filter((name) => existsSync(`${GOLDEN_DIR}${name}/Dockerfile`))
    .map((name) => ({ name, bytes: readFileSync(`${GOLDEN_DIR}${name}/Dockerfile`) }))
  : [];

const INTERESTING_BYTES = Buffer.from('\\`"\'[]<#=-\n\r\t {}$', 'latin1');

function mutate(rng: Rng, input: Buffer): Buffer {
  let buf = Buffer.from(input);
  const rounds = 1 + int(rng, 8);
  for (let r = 0; r < rounds; r++) {
    const at = int(rng, buf.length + 1);
    switch (int(rng, 5)) {
      case 0: { // insert an interesting or random byte (may break UTF-8 sequences: decoded as U+FFFD)
        const b = chance(rng, 0.7) ? INTERESTING_BYTES[int(rng, INTERESTING_BYTES.length)]! : int(rng, 256);
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([b]), buf.subarray(at)]);
        break;
      }
      case 1: { // delete a range
        const len = 1 + int(rng, 16);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + len))]);
        break;
      }
      case 2: { // duplicate a range (sometimes many times)
        const len = 1 + int(rng, 64);
        const piece = buf.subarray(at, Math.min(buf.length, at + len));
        const times = chance(rng, 0.1) ? 50 + int(rng, 200) : 1;
        buf = Buffer.concat([buf.subarray(0, at), ...Array.from({ length: times + 1 }, () => piece), buf.subarray(at + piece.length)]);
        break;
      }
      case 3: // flip a bit
        if (at < buf.length) buf[at] = buf[at]! ^ (1 << int(rng, 8));
        break;
      default: { // splice in a grammar fragment
        const frag = Buffer.from(pick(rng, [...WORDS, ...CONTINUATIONS, ...HEREDOC_LINES, '\n', 'ONBUILD ', '<<EOF\n']));
        buf = Buffer.concat([buf.subarray(0, at), frag, buf.subarray(at)]);
      }
    }
  }
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

function checkPosition(lines: readonly string[], p: Position, what: string): void {
  assert.ok(Number.isInteger(p.line) && p.line >= 1 && p.line <= lines.length, `${what}: line ${p.line} outside 1..${lines.length}`);
  const max = lines[p.line - 1]!.length + 1;
  assert.ok(Number.isInteger(p.column) && p.column >= 1 && p.column <= max, `${what}: column ${p.column} outside 1..${max} on line ${p.line}`);
}

function checkRange(lines: readonly string[], r: SourceRange, what: string): void {
  checkPosition(lines, r.start, `${what} start`);
  checkPosition(lines, r.end, `${what} end`);
  const ordered = r.start.line < r.end.line || (r.start.line === r.end.line && r.start.column <= r.end.column);
  assert.ok(ordered, `${what}: start ${JSON.stringify(r.start)} after end ${JSON.stringify(r.end)}`);
}

function checkNode(lines: readonly string[], n: InstructionNode, what: string, depth: number): void {
  assert.ok(depth < 64, `${what}: ONBUILD nesting not bounded`);
  checkRange(lines, n.range, `${what} range`);
  checkRange(lines, n.keywordRange, `${what} keyword`);
  assert.equal(n.name, n.keyword.toLowerCase(), `${what}: name is the lowercased keyword`);
  assert.ok(n.args.every((a) => typeof a === 'string'), `${what}: args are strings`);
  n.flags.forEach((f, i) => checkRange(lines, f.range, `${what} flag ${i}`));
  n.heredocs.forEach((h, i) => {
    checkRange(lines, h.range, `${what} heredoc ${i}`);
    assert.ok(h.name.length > 0, `${what} heredoc ${i}: has a name`);
  });
  if (n.child) checkNode(lines, n.child, `${what} > child`, depth + 1);
}

function checkResult(res: ParseResult): void {
  const { lines, instructions } = res.tree;
  assert.ok(lines.length >= 1, 'at least one (possibly empty) physical line');
  res.diagnostics.forEach((d, i) => checkRange(lines, d.range, `diagnostic ${i} (${d.code})`));
  res.tree.directives.forEach((d, i) => checkRange(lines, d.range, `directive ${i}`));
  instructions.forEach((n, i) => {
    checkNode(lines, n, `instruction ${i}`, 0);
    const prev = instructions[i - 1];
    if (prev) assert.ok(prev.range.end.line < n.range.start.line, `instruction ${i} starts after the previous one ends`);
  });
  if (!res.diagnostics.some((d) => d.severity === 'error')) {
    assert.ok(instructions.length >= 1, 'an error-free parse has at least one instruction');
  }
}

/** Parses `text` and checks every invariant; failures carry the seed, case and input. */
function fuzzOne(text: string, label: string): ParseResult {
  const where = (): string => `[seed=0x${SEED.toString(16)} ${label}] input (${text.length} chars): ${JSON.stringify(text.length > 600 ? text.slice(0, 600) + '…' : text)}`;
  let res: ParseResult;
  try {
    res = parseDockerfile(text);
  } catch (e) {
    assert.fail(`parseDockerfile threw ${String(e)} ${where()}`);
  }
  try {
    checkResult(res);
  } catch (e) {
    assert.fail(`${e instanceof Error ? e.message : String(e)} ${where()}`);
  }
  return res;
}

function timed(text: string, label: string): ParseResult {
  const t0 = performance.now();
  const res = fuzzOne(text, label);
  const ms = performance.now() - t0;
  assert.ok(ms < ADVERSARIAL_LIMIT_MS, `${label}: parsing ${text.length} chars took ${ms.toFixed(0)} ms (pathological slowness)`);
  return res;
}

const codes = (r: ParseResult): string[] => r.diagnostics.map((d) => d.code);

describe(`Dockerfile parser fuzzing (seed 0x${SEED.toString(16)})`, () => {
  it(`${GRAMMAR_CASES} grammar-generated Dockerfiles`, () => {
    for (let i = 0; i < GRAMMAR_CASES; i++) fuzzOne(grammarDockerfile(caseRng(1, i)), `grammar case ${i}`);
  });

  it(`${MUTATION_CASES} byte-level mutations of the golden Dockerfiles`, { skip: GOLDEN.length === 0 ? 'golden Dockerfiles not found beside the repository' : false }, () => {
    for (let i = 0; i < MUTATION_CASES; i++) {
      const rng = caseRng(2, i);
      const golden = pick(rng, GOLDEN);
      fuzzOne(mutate(rng, golden.bytes).toString('utf8'), `mutation case ${i} of ${golden.name}`);
    }
  });

  it('500 well-formed heredoc instructions: names and bodies come back exactly', () => {
    for (let i = 0; i < 500; i++) {
      const rng = caseRng(3, i);
      const eol = pick(rng, ['\n', '\r\n']);
      const markers = Array.from({ length: 1 + int(rng, 3) }, () => pick(rng, MARKERS));
      const keyword = randomCase(rng, pick(rng, ['RUN', 'COPY', 'ADD', 'ONBUILD RUN']));
      let text = `FROM a${eol}${keyword} ${markers.map(([m]) => m).join(' ')} /dest/${eol}`;
      const bodies = markers.map(([, terminator]) => {
        const body = Array.from({ length: int(rng, 4) }, () => pick(rng, SAFE_BODY_LINES)).map((l) => l + eol).join('');
        text += body + terminator + eol;
        return body;
      });
      text += `USER z${eol}`;
      const res = fuzzOne(text, `heredoc property case ${i}`);
      const where = `[seed=0x${SEED.toString(16)} heredoc property case ${i}] ${JSON.stringify(text)}`;
      assert.deepEqual(res.diagnostics, [], where);
      const [, node, user] = res.tree.instructions;
      const target = node!.child ?? node!;
      assert.deepEqual(target.heredocs.map((h) => h.content), bodies, where);
      assert.deepEqual(target.heredocs.map((h) => h.name), markers.map(([, t]) => t.replace(/^\t+/, '')), where);
      assert.deepEqual(user?.args, ['z'], where);
    }
  });

  it('the unmutated golden Dockerfiles satisfy the invariants too', { skip: GOLDEN.length === 0 }, () => {
    for (const g of GOLDEN) fuzzOne(g.bytes.toString('utf8'), `golden ${g.name}`);
  });
});

describe('adversarial inputs (each ≥ 200 KB): the parser returns promptly', () => {
  it('100k backslash continuation lines', () => {
    const res = timed('FROM a\nRUN a \\\n' + 'b \\\n'.repeat(100_000) + 'c\n', 'continuations');
    assert.deepEqual(codes(res), []);
    const run = res.tree.instructions[1]!;
    assert.deepEqual(run.range, { start: { line: 2, column: 1 }, end: { line: 100_003, column: 2 } });
    assert.equal(run.args[0]!.length, 'a '.length + 'b '.length * 100_000 + 1);
  });

  it('100k lines that are only the escape character, and 100k blank/comment lines inside a continuation', () => {
    timed('FROM a\nRUN a \\\n' + '\\\n'.repeat(100_000) + 'b\n', 'bare escapes');
    const res = timed('FROM a\nRUN a \\\n' + '\n#\n'.repeat(100_000) + 'b\n', 'blank and comment lines');
    assert.deepEqual(codes(res), ['empty-continuation']);
  });

  it('10k heredoc markers on one line with no bodies', () => {
    const res = timed('FROM a\nRUN ' + '<<EOF '.repeat(10_000) + 'x'.repeat(150_000) + '\n', 'heredoc markers');
    assert.deepEqual(codes(res), ['unterminated-heredoc']);
    assert.equal(res.diagnostics[0]!.range.start.line, 2);
  });

  it('10k heredoc markers on one line, each with its body', () => {
    const n = 10_000;
    const text = 'FROM a\nCOPY ' + Array.from({ length: n }, (_, i) => `<<H${i}`).join(' ') + ' /d/\n' +
      Array.from({ length: n }, (_, i) => `body ${i}\nH${i}\n`).join('');
    const res = timed(text, 'heredoc bodies');
    assert.deepEqual(codes(res), []);
    assert.equal(res.tree.instructions[1]!.heredocs.length, n);
    assert.equal(res.tree.instructions[1]!.heredocs[n - 1]!.content, `body ${n - 1}\n`);
  });

  it('100k nested ONBUILDs: capped with a diagnostic, no stack overflow', () => {
    const res = timed('FROM a\n' + 'ONBUILD '.repeat(100_000) + 'RUN x\n', 'nested ONBUILD');
    assert.deepEqual(codes(res), ['onbuild-nesting']);
  });

  it('a directive line with 200k inner blanks (a backtracking regexp would be quadratic)', () => {
    const res = timed('# syntax=a' + ' '.repeat(200_000) + 'b\nFROM a\n', 'directive');
    assert.equal(res.tree.directives.length, 1);
  });

  it('heredoc-looking words built to defeat regexps and the shell lexer', () => {
    timed('RUN <<' + ' '.repeat(100_000) + '<'.repeat(100_000) + '\n', '<< blanks then <');
    timed('RUN <<EOF ' + '${A:-'.repeat(50_000) + '\n', 'nested ${');
    timed('RUN <<"' + 'x\\"'.repeat(70_000) + '\n', 'unterminated quote');
    timed('RUN ' + '<<'.repeat(100_000) + '\n', 'only <<');
    timed('COPY ' + '3<<'.repeat(70_000) + 'EOF\n', 'fd markers');
  });

  it('single long lines for every argument splitter', () => {
    const long = (s: string): string => s.repeat(Math.ceil(200_000 / s.length));
    for (const line of [
      'ENV ' + long('a="b c" '), 'LABEL ' + long("k='v w' "), 'ENV A ' + long('x '), 'ARG ' + long('"a b\\" '),
      'CMD [' + long('"a",') + '"b"]', 'COPY [' + long('"a", ') + '1]', 'RUN ' + long('\\'), 'RUN ' + long('"\\'),
      'COPY ' + long('--a=b ') + 'x y', 'COPY ' + long('--a="b ') + 'x', 'HEALTHCHECK ' + long(' ') + 'CMD x',
      'FROM ' + long('a\t'), 'LABEL ' + long('"'), 'EXPOSE ' + long('\u00a0'), 'X' + long('a'),
    ]) {
      timed('FROM a\n' + line + '\n', `long line ${JSON.stringify(line.slice(0, 12))}`);
    }
  });

  it('200k carriage returns and 30k one-line instructions', () => {
    timed('FROM a' + '\r'.repeat(200_000) + '\nRUN b' + '\r'.repeat(100_000) + 'c\n', 'carriage returns');
    const res = timed('FROM a\n'.repeat(30_000), 'many instructions');
    assert.equal(res.tree.instructions.length, 30_000);
  });
});
