import { estimateLineSteps, EstimateTotals, type EstimateSummary, type LineEstimate } from './estimate';
import { ModelResolver } from './models';
import type { Steps } from './requestTokens';

/** One line as last counted; `estimate` is undefined while the line waits to be (re)counted. */
interface LineState {
  line: number;
  estimate: LineEstimate | undefined;
}

/**
 * The estimate behind the editor: one estimate per line and running totals, so an edit recounts only the lines it
 * touched. Edits are recorded with {@link splice} as they happen (cheap) and counted by {@link flush}, which stops
 * at a deadline and resumes, so a large document never blocks its host for long. One line is counted in bounded
 * steps too: a line of megabytes is counted across several flushes, never in one go. The same shape as
 * DocumentValidator; it gives what `estimateLine` gives for each line of the same text.
 */
export class DocumentEstimator {
  private states: LineState[] = [];
  private readonly pending = new Set<LineState>();
  private readonly totals = new EstimateTotals();
  /** The line being counted and its remaining steps (it stays pending until they are done). */
  private current: { readonly state: LineState; readonly steps: Steps<LineEstimate> } | undefined;

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
    this.current = undefined;
    this.states = [];
    this.pending.clear();
    this.totals.clear();
    for (let line = 0; line < lineCount; line++) {
      this.states.push(this.newPending(line));
    }
  }

  /** Lines [start, start + deleteCount) were replaced by `insertCount` lines, whose text `flush` reads. */
  splice(start: number, deleteCount: number, insertCount: number): void {
    const inserted: LineState[] = [];
    for (let i = 0; i < insertCount; i++) {
      inserted.push(this.newPending(start + i));
    }
    const removed = this.states.splice(start, deleteCount, ...inserted);
    for (const state of removed) {
      this.unindex(state);
      this.pending.delete(state);
      if (this.current?.state === state) {
        this.current = undefined;
      }
    }
    if (insertCount !== deleteCount) {
      for (let line = start + insertCount; line < this.states.length; line++) {
        this.states[line]!.line = line;
      }
    }
  }

  /** Marks every line for counting again. */
  invalidateAll(): void {
    this.current = undefined;
    for (const state of this.states) {
      this.unindex(state);
      this.pending.add(state);
    }
  }

  get lineCount(): number {
    return this.states.length;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Counts the lines waiting for it, reading their text through `lineText`. Stops once `deadline` (a
   * `performance.now()` time) has passed and returns false; call again to continue (a line cut short resumes where
   * it stopped). Returns true when done.
   */
  flush(lineText: (line: number) => string, deadline = Infinity): boolean {
    for (;;) {
      let current = this.current;
      if (current === undefined) {
        const state = this.pending.values().next();
        if (state.done) {
          return true;
        }
        current = { state: state.value, steps: estimateLineSteps(lineText(state.value.line), this.resolver) };
        this.current = current;
      }
      const step = current.steps.next();
      if (step.done) {
        this.current = undefined;
        this.pending.delete(current.state);
        current.state.estimate = step.value;
        this.totals.add(step.value);
      }
      // Look at the clock after every line and every step of a long one.
      if (performance.now() > deadline) {
        return this.pending.size === 0;
      }
    }
  }

  /** The counted estimate of a line; undefined while it is pending (or out of range). */
  lineEstimate(line: number): LineEstimate | undefined {
    return this.states[line]?.estimate;
  }

  /** The totals so far: complete when {@link pendingCount} is 0. */
  summary(): EstimateSummary {
    return this.totals.summarize(this.resolver);
  }

  private newPending(line: number): LineState {
    const state: LineState = { line, estimate: undefined };
    this.pending.add(state);
    return state;
  }

  private unindex(state: LineState): void {
    if (state.estimate !== undefined) {
      this.totals.remove(state.estimate);
      state.estimate = undefined;
    }
  }
}
