// A logical line: physical lines joined at the escape character, with a map from every character
// back to its physical line and column so that any piece of an instruction can be positioned.
import type { Position, SourceRange } from '../../util/errors.ts';

interface Segment {
  /** Offset in the logical text where this piece starts. */
  offset: number;
  line: number;
  /** 1-based column in the physical line of the piece's first character. */
  column: number;
}

export class LogicalLine {
  text = '';
  private readonly segments: Segment[] = [];

  append(piece: string, line: number, column: number): void {
    this.segments.push({ offset: this.text.length, line, column });
    this.text += piece;
  }

  /** Position of the character at `offset` (an offset equal to the length maps just past the end). */
  positionAt(offset: number): Position {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    const seg = this.segments[lo] ?? { offset: 0, line: 1, column: 1 };
    return { line: seg.line, column: seg.column + (offset - seg.offset) };
  }

  rangeOf(start: number, end: number): SourceRange {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }
}
