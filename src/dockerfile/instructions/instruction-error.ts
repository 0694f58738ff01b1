// The error an instruction's validation raises: a BerthError positioned on the offending text.
import { BerthError, type ErrorCode, type SourceRange } from '../../util/errors.ts';

export class InstructionError extends BerthError {
  constructor(code: ErrorCode, message: string, range: SourceRange, hint?: string) {
    super(code, message, hint === undefined ? { range } : { range, hint });
  }
}
