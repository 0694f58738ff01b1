// BuildKit's history wording pieces that the differential suite (test/interop/build-diff.test.ts)
// cannot reach with docker 20.10: Go's Duration.String and %q on unusual values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDuration, goList, goQuote, goQuoteList } from '../../src/build/go-format.ts';

describe('Go formatting for history lines', () => {
  it('time.Duration.String', () => {
    const cases: Array<[number, string]> = [
      [0, '0s'], [1, '1ns'], [999, '999ns'], [1500, '1.5µs'], [1_000_000, '1ms'], [1_500_000, '1.5ms'], [100_000_000, '100ms'],
      [1e9, '1s'], [1.5e9, '1.5s'], [90e9, '1m30s'], [3600e9, '1h0m0s'], [3661e9 + 1e6, '1h1m1.001s'], [-5e9, '-5s'],
    ];
    for (const [ns, want] of cases) assert.equal(goDuration(ns), want, `${ns} ns`);
  });

  it('%q of a []string quotes like strconv.Quote, %v joins with spaces', () => {
    assert.equal(goQuoteList(['/bin/sh', '-c', 'echo "hi"\tthere\\']), '["/bin/sh" "-c" "echo \\"hi\\"\\tthere\\\\"]');
    assert.equal(goQuote('é\u0007'), '"é\\a"');
    assert.equal(goList(['/a', '/b c']), '[/a /b c]');
    assert.equal(goList([]), '[]');
  });
});
