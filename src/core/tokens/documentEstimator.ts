import { estimateLineSteps, EstimateTotals, type EstimateSummary, type LineEstimate } from './estimate';
import { ModelResolver } from './models';
import type { Steps } from './requestTokens';
import { IncrementalLines, type IncrementalDocument } from '../documents/incrementalLines';

/** One line as last counted; `estimate` is undefined while the line waits to be (re)counted. */
interface LineState {
  line: number;
  estimate: LineEstimate | undefined;
}

/**
 * The estimate behind the editor: one estimate per line and running totals, so an edit recounts only the lines it
 * touched. Edits are recorded with {@link splice} as they happen (cheap) and counted by {@link flush}, which stops
 * at a deadline and resumes, so a large document never blocks its host for long. One line is counted in bounded
 * steps too: a line of megabytes is counted across several flushes, never in one go. The same line bookkeeping
 * as DocumentValidator (IncrementalLines); it gives what `estimateLine` gives for each line of the same text.
 */
export class DocumentEstimator implements IncrementalDocument {
  private readonly lines = new IncrementalLines<LineState>({ create: (line) => ({ line, estimate: undefined }), removed: (state) => this.unindex(state) });
  private readonly totals = new EstimateTotals();
  /** The remaining steps of the line being counted (IncrementalLines resumes it until they are done). */
  private steps: Steps<LineEstimate> | undefined;

  constructor(private resolver: ModelResolver = new ModelResolver()) {}

  get modelResolver(): ModelResolver {
    return this.resolver;
  }

  /** New prices or deployment mappings: every line is counted again (a deployment's encoding may change). */
  setResolver(resolver: ModelResolver): void {
    this.resolver = resolver;
    this.invalidateAll();
  }

  /** Forgets everything and marks `lineCount` lines for counting. */
  reset(lineCount: number): void {
    this.steps = undefined;
    this.totals.clear();
    this.lines.reset(lineCount);
  }

  /** Lines [start, start + deleteCount) were replaced by `insertCount` lines, whose text `flush` reads. */
  splice(start: number, deleteCount: number, insertCount: number): void {
    this.lines.splice(start, deleteCount, insertCount);
  }

  /** Marks every line for counting again. */
  private invalidateAll(): void {
    for (const state of this.lines.slots) {
      this.unindex(state);
    }
    this.lines.markAllPending();
  }

  get lineCount(): number {
    return this.lines.lineCount;
  }

  get pendingCount(): number {
    return this.lines.pendingCount;
  }

  /**
   * Counts the lines waiting for it, reading their text through `lineText`. Stops once `deadline` (a
   * `performance.now()` time) has passed and returns false; call again to continue (a line cut short resumes where
   * it stopped). Returns true when done. The clock is read after every line and every step of a long one.
   */
  flush(lineText: (line: number) => string, deadline = Infinity): boolean {
    return this.lines.flush((state, resumed) => {
      if (!resumed || this.steps === undefined) {
        this.steps = estimateLineSteps(lineText(state.line), this.resolver);
      }
      const step = this.steps.next();
      if (!step.done) {
        return false;
      }
      this.steps = undefined;
      state.estimate = step.value;
      this.totals.add(step.value);
      return true;
    }, deadline);
  }

  /** The counted estimate of a line; undefined while it is pending (or out of range). */
  lineEstimate(line: number): LineEstimate | undefined {
    return this.lines.slots[line]?.estimate;
  }

  /** The totals so far: complete when {@link pendingCount} is 0. */
  summary(): EstimateSummary {
    return this.totals.summarize(this.resolver);
  }

  private unindex(state: LineState): void {
    if (state.estimate !== undefined) {
      this.totals.remove(state.estimate);
      state.estimate = undefined;
    }
  }
}
