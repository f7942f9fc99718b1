import type { IncrementalDocument } from './incrementalLines';

/** Lines [start, start + deleteCount) replaced by `lines`, in the coordinates the previous edit left. */
export interface LineEdit {
  readonly start: number;
  readonly deleteCount: number;
  readonly lines: readonly string[];
}

/** Where the recorded changes go when flushed. */
export interface LineEditSink {
  /** Everything changed (or nothing was sent yet): send the whole text. */
  reset(): void;
  /** The changes since the last flush, in order; also none, so the sink can tell a new version with the same text. */
  edits(edits: readonly LineEdit[]): void;
}

/** A range being recorded: lines [start, start + lineCount) of the current text replace `deleteCount` sent ones. */
interface Range {
  start: number;
  deleteCount: number;
  lineCount: number;
}

/**
 * The estimates' side of the document tracker when the counting happens elsewhere (a worker thread): it records
 * edits as they arrive as a few changed line ranges, merging those that touch, and {@link flush} hands them to a
 * {@link LineEditSink} at once, whatever the deadline: reading the changed lines is all the work it does here.
 */
export class LineEditRecorder implements IncrementalDocument {
  /** Disjoint, in line order, in the current text's coordinates. */
  private ranges: Range[] = [];
  private whole = true;
  private lines: number;

  constructor(
    private readonly sink: LineEditSink,
    lineCount: number,
  ) {
    this.lines = lineCount;
  }

  get lineCount(): number {
    return this.lines;
  }

  /** Lines to send: all of them before the first flush and after a reset. */
  get pendingCount(): number {
    return this.whole ? this.lines : this.ranges.reduce((sum, range) => sum + range.lineCount, 0);
  }

  reset(lineCount: number): void {
    this.lines = lineCount;
    this.whole = true;
    this.ranges = [];
  }

  splice(start: number, deleteCount: number, insertCount: number): void {
    this.lines += insertCount - deleteCount;
    if (this.whole) {
      return;
    }
    const end = start + deleteCount;
    // The ranges this edit touches or adjoins merge with it into one.
    let first = 0;
    while (first < this.ranges.length && this.ranges[first]!.start + this.ranges[first]!.lineCount < start) {
      first++;
    }
    let last = first;
    while (last < this.ranges.length && this.ranges[last]!.start <= end) {
      last++;
    }
    const merged = this.ranges.slice(first, last);
    const low = Math.min(start, merged[0]?.start ?? start);
    const high = Math.max(end, ...merged.map((range) => range.start + range.lineCount));
    // Within [low, high) the lines no range covers are unchanged: as many were sent as there are now.
    const unchanged = high - low - merged.reduce((sum, range) => sum + range.lineCount, 0);
    const range: Range = {
      start: low,
      deleteCount: unchanged + merged.reduce((sum, range) => sum + range.deleteCount, 0),
      lineCount: high - low - deleteCount + insertCount,
    };
    const shift = insertCount - deleteCount;
    for (let i = last; i < this.ranges.length; i++) {
      this.ranges[i]!.start += shift;
    }
    this.ranges.splice(first, last - first, range);
  }

  flush(lineText: (line: number) => string): boolean {
    if (this.whole) {
      this.whole = false;
      this.ranges = [];
      this.sink.reset();
      return true;
    }
    // In line order, each range's start is where the ranges before it, applied, leave it.
    const edits = this.ranges.map(({ start, deleteCount, lineCount }) => ({ start, deleteCount, lines: Array.from({ length: lineCount }, (_, i) => lineText(start + i)) }));
    this.ranges = [];
    this.sink.edits(edits);
    return true;
  }
}
