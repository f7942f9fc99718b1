import type { IncrementalDocument } from './incrementalLines';

/**
 * Lines [start, start + deleteCount) replaced by `lines`, in the coordinates the previous edit left; `lines` as one
 * string is their text joined by line breaks (split where it is read, so the sender copies one string).
 */
export interface LineEdit {
  readonly start: number;
  readonly deleteCount: number;
  readonly lines: readonly string[] | string;
}

/** A part of a whole text being sent: lines [start, start + count) of the current text. */
export interface UploadPart {
  readonly start: number;
  readonly count: number;
  /** Lines the receiver holds from `start` that these replace (they changed since they were sent). */
  readonly deleteCount: number;
  /** The first part: the receiver starts the document afresh. */
  readonly first: boolean;
  /** The last part: the receiver has the whole current text once it has this one. */
  readonly complete: boolean;
}

/** Where the recorded changes go when flushed. */
export interface LineEditSink {
  /** A part of the whole text, sent after a reset (the first flush) until the receiver has all of it. */
  upload(part: UploadPart): void;
  /**
   * The changes since the last flush, in order; also none, so the sink can tell a new version with the same text.
   * `complete` false: a part of them (a paste of many lines is sent in parts too); the rest follows.
   */
  edits(edits: readonly LineEdit[], complete: boolean): void;
}

/** A range being recorded: lines [start, start + lineCount) of the current text replace `deleteCount` sent ones. */
interface Range {
  start: number;
  deleteCount: number;
  lineCount: number;
}

/** An upload under way: lines [0, sent) of the current text are at the receiver, followed by `stale` ones to drop. */
interface Upload {
  sent: number;
  stale: number;
  opened: boolean;
}

// Lines per part of an upload: a part is read and posted at once, and the clock is read between parts.
const partLines = 1_000;

/**
 * The estimates' side of the document tracker when the counting happens elsewhere (a worker thread). After a reset
 * (and at first) {@link flush} sends the whole text in parts until its deadline, resuming in the next flush, so a
 * large document never holds the host for long; edits that arrive meanwhile are folded in. After that it records
 * edits as a few changed line ranges, merging those that touch, and sends them at once: reading the changed lines is
 * all the work it does.
 */
export class LineEditRecorder implements IncrementalDocument {
  /** Disjoint, in line order, in the current text's coordinates. */
  private ranges: Range[] = [];
  private upload: Upload | undefined = { sent: 0, stale: 0, opened: false };
  private lines: number;

  constructor(
    private readonly sink: LineEditSink,
    lineCount: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lines = lineCount;
  }

  get lineCount(): number {
    return this.lines;
  }

  /** Lines to send. */
  get pendingCount(): number {
    return this.upload !== undefined ? this.lines - this.upload.sent : this.ranges.reduce((sum, range) => sum + range.lineCount, 0);
  }

  /** Sends the whole text again at the next flush. */
  reset(lineCount: number): void {
    this.lines = lineCount;
    this.upload = { sent: 0, stale: 0, opened: false };
    this.ranges = [];
  }

  splice(start: number, deleteCount: number, insertCount: number): void {
    this.lines += insertCount - deleteCount;
    if (this.upload !== undefined) {
      // Lines not sent yet are read when they are; sent ones from `start` on are sent again.
      if (start < this.upload.sent) {
        this.upload.stale += this.upload.sent - start;
        this.upload.sent = start;
      }
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

  /** Sends what changed: edits at once, an upload until `deadline` (false: call again to go on). */
  flush(lineText: (line: number) => string, deadline = Infinity): boolean {
    const upload = this.upload;
    if (upload === undefined) {
      return this.flushEdits(lineText, deadline);
    }
    do {
      const count = Math.min(partLines, this.lines - upload.sent);
      const complete = upload.sent + count === this.lines;
      this.sink.upload({ start: upload.sent, count, deleteCount: upload.stale, first: !upload.opened, complete });
      upload.opened = true;
      upload.sent += count;
      upload.stale = 0;
      if (complete) {
        this.upload = undefined;
        return true;
      }
    } while (this.now() <= deadline);
    return false;
  }

  /**
   * Sends the recorded ranges in parts of about {@link partLines} lines, until `deadline`: a paste of many lines
   * is read and posted across slices as an upload is. In line order, each range's start is where the ranges
   * before it, applied, leave it; a range sent in part is left as its rest, which then replaces nothing.
   */
  private flushEdits(lineText: (line: number) => string, deadline: number): boolean {
    for (;;) {
      const edits: LineEdit[] = [];
      let budget = partLines;
      while (this.ranges.length > 0 && budget > 0) {
        const range = this.ranges[0]!;
        const count = Math.min(range.lineCount, budget);
        edits.push({ start: range.start, deleteCount: range.deleteCount, lines: Array.from({ length: count }, (_, i) => lineText(range.start + i)) });
        budget -= Math.max(count, 1);
        if (count === range.lineCount) {
          this.ranges.shift();
        } else {
          this.ranges[0] = { start: range.start + count, deleteCount: 0, lineCount: range.lineCount - count };
        }
      }
      const complete = this.ranges.length === 0;
      this.sink.edits(edits, complete);
      if (complete) {
        return true;
      }
      if (this.now() > deadline) {
        return false;
      }
    }
  }
}
