// Shell-word expansion: BuildKit's conformance tables (envVarTest, wordsTest) plus our own cases for
// the escape token, pattern operators, matched/unmatched reporting, errors and random inputs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { envFromList, expandWord, expandWords } from '../../src/dockerfile/shell/index.ts';
import type { EnvLookup, ExpandOptions } from '../../src/dockerfile/shell/index.ts';
import { BerthError } from '../../src/util/errors.ts';
import { mulberry32 } from '../helpers/prng.ts';

const DATA_DIR = new URL('../../../shared/conformance/buildkit-shell/', import.meta.url);
const HAVE_DATA = existsSync(fileURLToPath(DATA_DIR));
const NO_DATA = `conformance data not found at ${fileURLToPath(DATA_DIR)}`;

function readData(name: string): string[] {
  return HAVE_DATA ? readFileSync(new URL(name, DATA_DIR), 'utf8').split('\n') : [];
}

/** Asserts that `fn` throws BerthError('SHELL_EXPANSION') and returns it. */
function expectExpansionError(fn: () => unknown, input: string): BerthError {
  let caught: unknown;
  try {
    const got = fn();
    assert.fail(`expected an error for ${JSON.stringify(input)}, got ${JSON.stringify(got)}`);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BerthError, `expected a BerthError for ${JSON.stringify(input)}, got ${String(caught)}`);
  assert.equal(caught.code, 'SHELL_EXPANSION');
  return caught;
}

function word(input: string, env: EnvLookup, opts?: ExpandOptions): string {
  return expandWord(input, env, opts).value;
}

// ---------------------------------------------------------------------------------------------
// envVarTest: single-string mode (ProcessWord)

interface EnvVarCase {
  line: number;
  input: string;
  expected: string;
}

function envVarCases(): EnvVarCase[] {
  const cases: EnvVarCase[] = [];
  readData('envVarTest').forEach((text, i) => {
    if (text.startsWith('#') || text.trim() === '') return;
    const fields = text.split('|');
    if (fields.length !== 3) throw new Error(`envVarTest:${i + 1}: expected 3 fields: ${text}`);
    const [platform, input, expected] = fields.map((f) => f.trim()) as [string, string, string];
    if (platform === 'A' || platform === 'U') cases.push({ line: i + 1, input, expected });
  });
  return cases;
}

describe('envVarTest (BuildKit ProcessWord conformance)', { skip: HAVE_DATA ? false : NO_DATA }, () => {
  const env = envFromList(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
  const cases = envVarCases();

  test('has every A and U case', () => {
    assert.equal(cases.length, 228);
  });

  for (const c of cases) {
    test(`line ${c.line}: ${c.input} → ${c.expected === '' ? '(empty)' : c.expected}`, () => {
      if (c.expected === 'error') {
        expectExpansionError(() => expandWord(c.input, env), c.input);
      } else {
        assert.equal(word(c.input, env), c.expected, `expanding ${JSON.stringify(c.input)}`);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// wordsTest: word-splitting mode (ProcessWords)

interface WordsCase {
  line: number;
  input: string;
  expected: string[] | 'error';
  env: string[];
}

function wordsCases(): WordsCase[] {
  const cases: WordsCase[] = [];
  const env: string[] = [];
  readData('wordsTest').forEach((text, i) => {
    if (text === '' && i === 0) throw new Error('wordsTest: empty first line');
    if (text.startsWith('#') || text === '') return; // the trailing newline leaves one empty line
    if (text.startsWith('ENV ')) {
      env.push(text.slice(4).trimStart());
      return;
    }
    const fields = text.split('|');
    if (fields.length !== 2) throw new Error(`wordsTest:${i + 1}: expected 2 fields: ${text}`);
    const [input, expected] = fields as [string, string];
    const want = expected.trimStart();
    cases.push({ line: i + 1, input: input.trim(), expected: want === 'error' ? 'error' : want.split(','), env: [...env] });
  });
  return cases;
}

describe('wordsTest (BuildKit ProcessWords conformance)', { skip: HAVE_DATA ? false : NO_DATA }, () => {
  const cases = wordsCases();

  test('has all 24 cases', () => {
    assert.equal(cases.length, 24);
  });

  for (const c of cases) {
    test(`line ${c.line}: ${c.input} → ${c.expected === 'error' ? 'error' : JSON.stringify(c.expected)}`, () => {
      const env = envFromList(c.env);
      if (c.expected === 'error') {
        expectExpansionError(() => expandWords(c.input, env), c.input);
      } else {
        assert.deepEqual(expandWords(c.input, env).value, c.expected, `splitting ${JSON.stringify(c.input)}`);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Our own cases

const ENV = envFromList([
  'PWD=/home',
  'EMPTY=',
  'str=foobarbaz',
  'path=/usr/local/lib/libfoo.so.1',
  'KOREAN=한국어',
  'spaced=a  b',
  'star=*',
  'pat=f*b',
  'digits=ab12cd345',
]);

function table(rows: ReadonlyArray<readonly [string, string]>, opts?: ExpandOptions): void {
  for (const [input, expected] of rows) {
    test(`${input} → ${expected === '' ? '(empty)' : expected}`, () => {
      assert.equal(word(input, ENV, opts), expected, `expanding ${JSON.stringify(input)}`);
    });
  }
}

describe('backtick escape token', () => {
  const bt: ExpandOptions = { escapeToken: '`' };
  table(
    [
      ['he`$PWD', 'he$PWD'],
      ['C:\\dir\\$PWD', 'C:\\dir\\/home'],
      ['C:\\dir\\', 'C:\\dir\\'],
      ['a``b', 'a`b'],
      ['a` b', 'a b'],
      ['hello`', 'hello'],
      ['"a`"b"', 'a"b'],
      ['"a`$PWD"', 'a$PWD'],
      ['"a``b"', 'a`b'],
      ['"a`tb"', 'a`tb'],
      ['"a\\"', 'a\\'],
      ["'a`b'", 'a`b'],
      ['${X:-`}}', '}'],
      ['${str/a/`/}', 'foob/rbaz'],
    ],
    bt,
  );

  test('backslash does not escape a quote', () => {
    expectExpansionError(() => expandWord('"a\\"b"', ENV, bt), '"a\\"b"');
    assert.equal(word('"a\\"b', ENV, bt), 'a\\b');
  });

  test('in word-splitting mode an escaped space joins words', () => {
    assert.deepEqual(expandWords('a` b c\\ d', ENV, bt).value, ['a b', 'c\\', 'd']);
  });
});

describe('pattern operators', () => {
  table([
    // The examples of the Dockerfile reference.
    ['${str#f*b}', 'arbaz'],
    ['${str##f*b}', 'az'],
    ['${str%b*}', 'foobar'],
    ['${str%%b*}', 'foo'],
    ['${str/ba/fo}', 'fooforbaz'],
    ['${str//ba/fo}', 'fooforfoz'],
    // Paths.
    ['${path##*/}', 'libfoo.so.1'],
    ['${path#*/}', 'usr/local/lib/libfoo.so.1'],
    ['${path%/*}', '/usr/local/lib'],
    ['${path%%.*}', '/usr/local/lib/libfoo'],
    ['${path%.*}', '/usr/local/lib/libfoo.so'],
    ['${path//\\//-}', '-usr-local-lib-libfoo.so.1'],
    ['${path//"/"/-}', '-usr-local-lib-libfoo.so.1'],
    // No match, empty pattern, unset variable.
    ['${str#x*}', 'foobarbaz'],
    ['${str%x}', 'foobarbaz'],
    ['${str/x/y}', 'foobarbaz'],
    ['${str#}', 'foobarbaz'],
    ['${str//}', 'foobarbaz'],
    ['${str///x}', 'foobarbaz'],
    ['${nope#*}', ''],
    ['${nope//a/b}x', 'x'],
    ['${EMPTY//*/x}', 'x'],
    // ? and [...]
    ['${str#???}', 'barbaz'],
    ['${str%?}', 'foobarba'],
    ['${str//[ab]/_}', 'foo__r__z'],
    ['${str//[!ab]/_}', '___ba_ba_'],
    ['${str//[^ab]/_}', '___ba_ba_'],
    ['${str//[a-f]/_}', '_oo__r__z'],
    ['${digits//[[:digit:]]/#}', 'ab##cd###'],
    ['${digits//[[:alpha:]]}', '12345'],
    ['${digits%%[0-9]*}', 'ab'],
    ['${str//[]/x}', 'foobarbaz'],
    ['${str/[/x}', 'foobarbaz'],
    // Stars: leftmost-longest for `/`, shortest/longest for `#` and `%`.
    ['${str/o*a/X}', 'fXz'],
    ['${str//o*a/X}', 'fXz'],
    ['${str/*/X}', 'X'],
    ['${str//b*/X}', 'fooX'],
    ['${str/*a/X}', 'Xz'],
    ['${str#*a}', 'rbaz'],
    ['${str##*a}', 'z'],
    ['${str%a*}', 'foobarb'],
    ['${str%%a*}', 'foob'],
    ['${str#f*o*a}', 'rbaz'],
    ['${str##f*o*a}', 'z'],
    // Quoted or escaped wildcards are literal; wildcards from an unquoted expansion are not.
    ['${star#"*"}', ''],
    ['${str#"*"}', 'foobarbaz'],
    ['${str#\\*}', 'foobarbaz'],
    ["${str#'f*'}", 'foobarbaz'],
    ['${str#$pat}', 'arbaz'],
    ['${str#"$pat"}', 'foobarbaz'],
    // Replacement text is expanded; `/` and quotes in it are fine.
    ['${str/bar/${PWD}}', 'foo/homebaz'],
    ['${str/bar/"a b"/c}', 'fooa b/cbaz'],
    ['${str/bar}', 'foobaz'],
    ['${str//a}', 'foobrbz'],
    // Code points, not UTF-16 units.
    ['${KOREAN#?}', '국어'],
    ['${KOREAN%?}', '한국'],
    ['${KOREAN/국/-}', '한-어'],
    // Inside double quotes.
    ['"${str%%b*} x"', 'foo x'],
  ]);

  test('operators on special names', () => {
    assert.equal(word('${##*}', ENV), '');
    assert.equal(word('${@%x}y', ENV), 'y');
  });

  test('missing closing brace is an error', () => {
    for (const input of ['${str#f', '${str%%', '${str/a', '${str/a/b', '${str//a/"}"']) {
      expectExpansionError(() => expandWord(input, ENV), input);
    }
  });

  test('an unquoted expansion in a pattern is split only in word mode, as BuildKit does', () => {
    assert.deepEqual(expandWords('${spaced%%b} ${spaced#a}', ENV).value, ['a', 'b']);
  });
});

describe('word splitting', () => {
  test('word mode: quotes alone make no word; an unquoted ${…} result is split even if quoted inside', () => {
    assert.deepEqual(expandWords('', ENV).value, []);
    assert.deepEqual(expandWords(' "" a \'\' ', ENV).value, ['a']);
    assert.deepEqual(expandWords('${nope:-"x  y"} "${nope:-x  y}"', ENV).value, ['x', 'y', 'x  y']);
  });
});

describe('matched and unmatched names', () => {
  const env = envFromList(['A=1', 'C=', 'D=x y']);

  test('reports every name looked up, set or not', () => {
    const r = expandWord('$A ${B:-$C} ${C:+y} ${D#x} "${E}" \'$F\' \\$G ${H/a/$I}', env);
    assert.equal(r.value, '1    y  $F $G ');
    assert.deepEqual([...r.matched].sort(), ['A', 'C', 'D']);
    assert.deepEqual([...r.unmatched].sort(), ['B', 'E', 'H', 'I']);
  });

  test('modifier words are always expanded (BuildKit), so their names are reported', () => {
    const r = expandWord('${A:-$B}${A:+$C}', env);
    assert.equal(r.value, '1');
    assert.deepEqual([...r.matched].sort(), ['A', 'C']);
    assert.deepEqual([...r.unmatched], ['B']);
  });

  test('positional and special parameters expand to empty and are not reported', () => {
    const r = expandWord('$1${2}$@$*$#$?$-$$$!$0${10:-z}', env);
    assert.equal(r.value, 'z');
    assert.equal(r.matched.size, 0);
    assert.equal(r.unmatched.size, 0);
  });

  test('expandWords reports too', () => {
    const r = expandWords('$D $nope', env);
    assert.deepEqual(r.value, ['x', 'y']);
    assert.deepEqual([...r.matched], ['D']);
    assert.deepEqual([...r.unmatched], ['nope']);
  });

  test('names are case-sensitive and may contain Unicode letters', () => {
    const u = envFromList(['ÄÖ=umlaut', 'a=lower']);
    assert.equal(word('$ÄÖ-$A-$a', u), 'umlaut--lower');
    assert.deepEqual([...expandWord('$A', u).unmatched], ['A']);
  });
});

describe('envFromList', () => {
  test('later entries win; values may contain "="; no "=" means empty', () => {
    const env = envFromList(['A=1', 'B=x=y', 'A=2', 'C']);
    assert.equal(env('A'), '2');
    assert.equal(env('B'), 'x=y');
    assert.equal(env('C'), '');
    assert.equal(env('D'), undefined);
  });
});

describe('error messages', () => {
  const cases: ReadonlyArray<readonly [string, RegExp]> = [
    ["he'llo", /^unterminated single quote in "he'llo"$/],
    ['"hello', /^unterminated double quote in ""hello"$/],
    ['he${}xx', /^bad substitution: expected a variable name after "\$\{" in "he\$\{\}xx"$/],
    ['${.}', /^bad substitution: expected a variable name/],
    ['he${PWD', /^bad substitution: missing '\}' in "he\$\{PWD"$/],
    ['${aaa:-bbb', /^bad substitution: missing '\}'/],
    ['${PWD:=000}', /^bad substitution: unsupported modifier ":=" in "\$\{PWD:=…" in "\$\{PWD:=000\}"$/],
    ['${PWD^^}', /^bad substitution: unsupported modifier "\^"/],
    ['he${XXX?}', /^XXX: is not allowed to be unset \(required by "\$\{XXX\?\}"\) in "he\$\{XXX\?\}"$/],
    ['${EMPTY:?}', /^EMPTY: is not allowed to be empty/],
    ['${XXX:?set XXX to $PWD}', /^XXX: set XXX to \/home \(required by/],
  ];
  for (const [input, message] of cases) {
    test(input, () => {
      const err = expectExpansionError(() => expandWord(input, ENV), input);
      assert.match(err.message, message);
    });
  }

  test('very long words are shortened in messages', () => {
    const input = `"${'x'.repeat(10_000)}`;
    const err = expectExpansionError(() => expandWord(input, ENV), 'long word');
    assert.ok(err.message.length < 400, `message is ${err.message.length} characters`);
  });

  test('an invalid escape token is rejected', () => {
    assert.throws(
      () => expandWord('x', ENV, { escapeToken: '/' as unknown as '`' }),
      (e: unknown) => e instanceof BerthError && e.code === 'INVALID_ARGUMENT',
    );
  });
});

describe('robustness', () => {
  const prng = mulberry32;
  const ALPHABET = ['$', '{', '}', ':', '-', '+', '?', '#', '%', '/', '\\', '`', "'", '"', 'a', 'b', '*', '[', ']', '!', ' ', '1', '@'];
  const env = envFromList(['a=ab ba', 'b=', 'ab=*']);

  test('random inputs either expand or throw BerthError', () => {
    const rand = prng(20240821);
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(rand() * 24);
      let input = '';
      for (let k = 0; k < length; k++) input += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      const opts: ExpandOptions = { escapeToken: i % 2 === 0 ? '\\' : '`' };
      for (const run of [() => expandWord(input, env, opts), () => expandWords(input, env, opts)]) {
        try {
          const r = run();
          assert.ok(r.matched instanceof Set && r.unmatched instanceof Set);
          ok++;
        } catch (e) {
          if (!(e instanceof BerthError) || e.code !== 'SHELL_EXPANSION') {
            assert.fail(`input ${JSON.stringify(input)} (escape ${opts.escapeToken}) threw ${String(e)}`);
          }
          failed++;
        }
      }
    }
    // Both outcomes should be common, or the generator is not exercising much.
    assert.ok(ok > 1000 && failed > 1000, `ok=${ok} failed=${failed}`);
  });

  test('large adversarial inputs finish quickly', { timeout: 60_000 }, () => {
    const n = 100_000;
    const big = envFromList([`v=${'a'.repeat(n)}`, `w=${'ab'.repeat(n / 2)}`]);
    const started = Date.now();
    assert.equal(word('$.'.repeat(n), big), '$.'.repeat(n));
    assert.equal(word('$$'.repeat(n), big), '');
    assert.equal(word(`\${v#${'['.repeat(n)}}`, big), 'a'.repeat(n));
    assert.equal(word(`\${v#${'[[:'.repeat(n / 3)}}`, big), 'a'.repeat(n));
    assert.equal(word('${v//a*b/x}', big), 'a'.repeat(n));
    assert.equal(word('${v%%*b*}', big), 'a'.repeat(n));
    assert.equal(word('${w//a/}', big), 'b'.repeat(n / 2));
    assert.equal(word('${w##*a}', big), 'b');
    assert.equal(expandWords('$w '.repeat(1000), big).value.length, 1000);
    expectExpansionError(() => expandWord("'".repeat(n + 1), big), 'many quotes');
    expectExpansionError(() => expandWord('${a:-'.repeat(n), big), 'deep nesting');
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  test('nesting up to the limit works', () => {
    const depth = 100;
    assert.equal(word('${a:-'.repeat(depth) + 'x' + '}'.repeat(depth), ENV), 'x');
    expectExpansionError(() => expandWord('${a:-'.repeat(depth + 1) + 'x' + '}'.repeat(depth + 1), ENV), 'depth 101');
  });
});
