// A step's failure points at its Dockerfile line: errors raised without a source range (a missing
// COPY source, a bad --chown, a runtime failure) get the failing instruction's, as BuildKit shows it.
import type { SourceRange } from '../util/errors.ts';
import { BerthError, isBerthError } from '../util/errors.ts';

export function locatedAt(err: unknown, range: SourceRange | undefined): unknown {
  if (!range || !isBerthError(err) || err.range || err.code === 'INTERRUPTED') return err;
  return new BerthError(err.code, err.message, {
    cause: err.cause, file: err.file, range, ...(err.hint !== undefined ? { hint: err.hint } : {}), ...(err.excerpt !== undefined ? { excerpt: err.excerpt } : {}),
  });
}
