/**
 * One time budget per turn of the event loop, shared by all the background work on the extension host (the
 * validation and estimate slices, a CodeLens request finishing a small recount): work that runs back to back
 * in one turn draws from the same few milliseconds instead of each taking its own slice, so the host never
 * stalls for the sum of them. A turn starts with the first {@link deadline} asked for and ends at the next
 * `setImmediate` (the check phase of Node's loop, after timers and I/O).
 */
export class TurnBudget {
  private turnStart: number | undefined;

  constructor(
    readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly endOfTurn: (callback: () => void) => void = (callback) => void setImmediate(callback),
  ) {}

  /** The clock time by which work done now must stop: the end of this turn's budget (perhaps already past). */
  deadline(): number {
    if (this.turnStart === undefined) {
      this.turnStart = this.now();
      this.endOfTurn(() => (this.turnStart = undefined));
    }
    return this.turnStart + this.budgetMs;
  }

  /** What is left of this turn's budget, in ms (the whole budget when nothing ran yet). */
  remaining(): number {
    return this.turnStart === undefined ? this.budgetMs : Math.max(0, this.turnStart + this.budgetMs - this.now());
  }
}
