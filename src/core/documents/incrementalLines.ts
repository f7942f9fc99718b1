/** One line's slot in {@link IncrementalLines}: `line` is kept current as lines are inserted and removed above it. */
export interface LineSlot {
  line: number;
}

/** What an owner of {@link IncrementalLines} does when slots come and go. */
export interface LineSlotHooks<S extends LineSlot> {
  /** A fresh slot for `line`, waiting to be processed. */
  create(line: number): S;
  /** The slot's line was removed: undo what processing it added to the owner's totals and indexes. */
  removed(slot: S): void;
}

/**
 * Does the work on one line, in steps: returns true once the line is done, false when it stopped part way (it is
 * called again with `resumed` true, possibly in a later flush). `resumed` is false when the line's work starts
 * afresh, also after the line was marked pending again.
 */
export type LineWorker<S extends LineSlot> = (slot: S, resumed: boolean) => boolean;

/** What the editor side needs of a document model kept per line: the validator and the estimator both are one. */
export interface IncrementalDocument {
  /** Forgets everything and marks `lineCount` lines for processing. */
  reset(lineCount: number): void;
  /** Lines [start, start + deleteCount) were replaced by `insertCount` lines, whose text `flush` reads. */
  splice(start: number, deleteCount: number, insertCount: number): void;
  /** Processes the pending lines, reading their text through `lineText`, until done (true) or past `deadline`. */
  flush(lineText: (line: number) => string, deadline?: number): boolean;
  readonly lineCount: number;
  readonly pendingCount: number;
}

/**
 * The bookkeeping shared by the editor's incremental models: one slot per line, kept in step with edits by
 * {@link splice} (cheap, as edits arrive), and the set of lines waiting to be processed, worked off by
 * {@link flush} until a deadline. A line whose work is long is done in steps and resumes in the next flush,
 * so no flush runs past its deadline by more than one step.
 */
export class IncrementalLines<S extends LineSlot> {
  private slotList: S[] = [];
  private readonly pending = new Set<S>();
  /** The line whose work stopped part way (it is still pending). */
  private current: S | undefined;

  constructor(
    private readonly hooks: LineSlotHooks<S>,
    /** Finished lines between looks at the clock (a step that leaves its line unfinished always looks). */
    private readonly clockEvery = 1,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The slots in line order. */
  get slots(): readonly S[] {
    return this.slotList;
  }

  get lineCount(): number {
    return this.slotList.length;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Forgets every slot (without {@link LineSlotHooks.removed}: the owner clears its totals) and makes `lineCount` pending ones. */
  reset(lineCount: number): void {
    this.current = undefined;
    this.pending.clear();
    this.slotList = [];
    for (let line = 0; line < lineCount; line++) {
      this.slotList.push(this.newPending(line));
    }
  }

  /** Lines [start, start + deleteCount) were replaced by `insertCount` new, pending lines. */
  splice(start: number, deleteCount: number, insertCount: number): void {
    const inserted: S[] = [];
    for (let i = 0; i < insertCount; i++) {
      inserted.push(this.newPending(start + i));
    }
    const removed = spliceMany(this.slotList, start, deleteCount, inserted);
    for (const slot of removed) {
      this.pending.delete(slot);
      if (this.current === slot) {
        this.current = undefined;
      }
      this.hooks.removed(slot);
    }
    if (insertCount !== deleteCount) {
      for (let line = start + insertCount; line < this.slotList.length; line++) {
        this.slotList[line]!.line = line;
      }
    }
  }

  /** Marks a line for processing again, from the start (the owner has undone what it added). */
  markPending(slot: S): void {
    if (this.current === slot) {
      this.current = undefined;
    }
    this.pending.add(slot);
  }

  /** Marks every line for processing again (see {@link markPending}). */
  markAllPending(): void {
    this.current = undefined;
    for (const slot of this.slotList) {
      this.pending.add(slot);
    }
  }

  /**
   * Runs `work` on the pending lines in the order they became pending. Stops once `deadline` (a clock time) has
   * passed and returns false; call again to continue where it stopped. Returns true when nothing is pending.
   */
  flush(work: LineWorker<S>, deadline = Infinity): boolean {
    if (this.current !== undefined && !this.finish(this.current, true, work, deadline)) {
      return false;
    }
    let finished = 0;
    // One iterator per flush: a Set skips the entries deleted from its front on every fresh `values()`.
    for (const slot of this.pending) {
      if (!this.finish(slot, false, work, deadline)) {
        return false;
      }
      if (++finished % this.clockEvery === 0 && this.now() > deadline) {
        return this.pending.size === 0;
      }
    }
    return true;
  }

  /** Works on one line until it is done (true) or a step leaves it unfinished past the deadline (false). */
  private finish(slot: S, resumed: boolean, work: LineWorker<S>, deadline: number): boolean {
    this.current = slot;
    while (!work(slot, resumed)) {
      resumed = true;
      if (this.now() > deadline) {
        return false;
      }
    }
    this.current = undefined;
    this.pending.delete(slot);
    return true;
  }

  private newPending(line: number): S {
    const slot = this.hooks.create(line);
    this.pending.add(slot);
    return slot;
  }
}

/**
 * `list.splice(start, deleteCount, ...items)` for any number of items: spread arguments go on the stack, and
 * a paste or a reload from disk of a large file inserts a few hundred thousand lines at once.
 */
function spliceMany<T>(list: T[], start: number, deleteCount: number, items: readonly T[]): T[] {
  const removed = list.splice(start, deleteCount);
  for (let at = 0; at < items.length; at += spliceChunk) {
    list.splice(start + at, 0, ...items.slice(at, at + spliceChunk));
  }
  return removed;
}

/** Items per `splice` call: far below any engine's limit on arguments. */
const spliceChunk = 10_000;

/** Number of lines a piece of inserted text spans (one more than its line breaks: LF, CRLF or a lone CR). */
export function countLines(text: string): number {
  let lines = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lines++;
    } else if (c === 13) {
      lines++;
      if (text.charCodeAt(i + 1) === 10) {
        i++;
      }
    }
  }
  return lines;
}

/** The lines of a text as the editor numbers them: split at LF, CRLF and a lone CR (a final break ends in ''). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

// Arrays this long are spliced by copying: spreading them into `splice` arguments overflows the stack.
const spreadLimit = 10_000;

/** `lines` with [start, start + deleteCount) replaced by `inserted`: the same array when it can be spliced in place. */
export function spliceLines(lines: string[], start: number, deleteCount: number, inserted: readonly string[]): string[] {
  if (inserted.length <= spreadLimit) {
    lines.splice(start, deleteCount, ...inserted);
    return lines;
  }
  return lines.slice(0, start).concat(inserted, lines.slice(start + deleteCount));
}
