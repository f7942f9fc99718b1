import * as assert from 'node:assert/strict';
import { countLines, IncrementalLines, type LineSlot } from '../../src/core/documents/incrementalLines';
import { seeded } from './helpers';

interface Slot extends LineSlot {
  /** The text the worker last saw for this line; undefined until processed. */
  seen: string | undefined;
  id: number;
}

/** A clock the test moves by hand, so deadlines are exact. */
class Clock {
  t = 0;
  readonly now = () => this.t;
}

/** Lines as the editor holds them, an engine in step with them, and what its hooks reported. */
class Harness {
  readonly clock = new Clock();
  readonly removed: Slot[] = [];
  private nextId = 0;
  readonly engine: IncrementalLines<Slot>;
  /** What each call of the worker saw: line number and `resumed`. */
  readonly calls: { line: number; resumed: boolean }[] = [];

  constructor(
    public lines: string[],
    clockEvery = 1,
    /** Steps a line's work takes (one clock tick each). */
    readonly stepsOf: (text: string) => number = () => 1,
  ) {
    this.engine = new IncrementalLines<Slot>({ create: (line) => ({ line, seen: undefined, id: this.nextId++ }), removed: (slot) => this.removed.push(slot) }, clockEvery, this.clock.now);
    this.engine.reset(lines.length);
  }

  private readonly progress = new Map<Slot, number>();

  readonly worker = (slot: Slot, resumed: boolean): boolean => {
    this.calls.push({ line: slot.line, resumed });
    this.clock.t++;
    const text = this.lines[slot.line]!;
    const done = (resumed ? (this.progress.get(slot) ?? 0) : 0) + 1;
    if (done < this.stepsOf(text)) {
      this.progress.set(slot, done);
      return false;
    }
    this.progress.delete(slot);
    slot.seen = text;
    return true;
  };

  /** Replaces lines [start, start + deleteCount) with `texts`, as an editor change would. */
  replace(start: number, deleteCount: number, texts: string[]): void {
    this.lines.splice(start, deleteCount, ...texts);
    this.engine.splice(start, deleteCount, texts.length);
  }

  flush(deadline = Infinity): boolean {
    return this.engine.flush(this.worker, deadline);
  }

  /** Every slot numbered by its position and holding its line's current text. */
  assertInStep(): void {
    assert.equal(this.engine.lineCount, this.lines.length);
    assert.equal(this.engine.pendingCount, 0);
    this.engine.slots.forEach((slot, i) => assert.equal(slot.line, i, `slot ${i} is numbered ${slot.line}`));
    assert.deepEqual(
      this.engine.slots.map((s) => s.seen),
      this.lines,
    );
  }

  pendingLines(): number[] {
    return this.engine.slots.filter((s) => s.seen === undefined).map((s) => s.line);
  }
}

describe('IncrementalLines', () => {
  it('starts with every line pending and processes them in order', () => {
    const h = new Harness(['a', 'b', 'c']);
    assert.equal(h.engine.pendingCount, 3);
    assert.ok(h.flush());
    assert.deepEqual(
      h.calls.map((c) => c.line),
      [0, 1, 2],
    );
    h.assertInStep();
    assert.ok(h.flush(), 'nothing left to do');
    assert.equal(h.calls.length, 3);
  });

  for (const [where, start] of [
    ['start', 0],
    ['middle', 2],
    ['end', 4],
  ] as const) {
    it(`splices at the ${where}: only the inserted lines are pending, the removed ones are reported, the rest renumbered`, () => {
      const h = new Harness(['l0', 'l1', 'l2', 'l3', 'l4']);
      h.flush();
      const kept = h.engine.slots.filter((s) => s.line !== start).map((s) => s.id);
      const gone = h.engine.slots[start]!;
      h.replace(start, 1, ['n1', 'n2', 'n3']);
      assert.deepEqual(h.removed, [gone]);
      assert.deepEqual(h.pendingLines(), [start, start + 1, start + 2]);
      assert.equal(h.engine.pendingCount, 3);
      // The untouched lines keep their slots (their work is not redone).
      assert.deepEqual(
        h.engine.slots.filter((s) => s.seen !== undefined).map((s) => s.id),
        kept,
      );
      h.flush();
      h.assertInStep();
    });
  }

  it('handles multi-line deletes, pure inserts and a delete of everything but one line', () => {
    const h = new Harness(Array.from({ length: 10 }, (_, i) => `l${i}`));
    h.flush();
    h.replace(2, 5, ['joined']);
    assert.equal(h.removed.length, 5);
    assert.deepEqual(h.pendingLines(), [2]);
    h.replace(0, 0, ['x', 'y']);
    assert.deepEqual(h.pendingLines(), [0, 1, 4]);
    h.flush();
    h.assertInStep();
    h.replace(0, h.lines.length, ['only']);
    h.flush();
    h.assertInStep();
    assert.equal(h.engine.lineCount, 1);
  });

  it('stays in step with the text through random edits flushed at random moments', () => {
    const random = seeded(7);
    const h = new Harness(Array.from({ length: 30 }, (_, i) => `l${i}`), 3, (text) => 1 + (text.length % 3));
    let n = 0;
    for (let step = 0; step < 500; step++) {
      const start = Math.floor(random() * h.lines.length);
      const deleteCount = Math.min(1 + Math.floor(random() * 3), h.lines.length - start);
      const inserted = Array.from({ length: Math.floor(random() * 4) }, () => `e${n++}`);
      if (h.lines.length - deleteCount + inserted.length === 0) {
        continue;
      }
      h.replace(start, deleteCount, inserted);
      if (random() < 0.3) {
        h.flush(h.clock.t + Math.floor(random() * 4)); // often cut short, sometimes part way through a line
      }
      if (step % 10 === 0) {
        h.flush();
        h.assertInStep();
      }
    }
    h.flush();
    h.assertInStep();
  });

  it('stops at the deadline and resumes where it stopped', () => {
    const h = new Harness(Array.from({ length: 100 }, (_, i) => `l${i}`));
    assert.equal(h.flush(10), false);
    // Each line costs one tick and the clock is read after each: it stops on the first line past the deadline.
    assert.equal(h.calls.length, 11);
    assert.equal(h.engine.pendingCount, 89);
    let slices = 1;
    while (!h.flush(h.clock.t + 10)) {
      slices++;
    }
    assert.equal(slices, 9);
    assert.equal(h.calls.length, 100, 'no line is done twice');
    h.assertInStep();
  });

  it('reads the clock every `clockEvery` finished lines', () => {
    const h = new Harness(Array.from({ length: 200 }, (_, i) => `l${i}`), 64);
    assert.equal(h.flush(1), false);
    assert.equal(h.calls.length, 64);
    assert.equal(h.flush(-1), false);
    assert.equal(h.calls.length, 128);
  });

  it('never runs past the deadline by more than one step on a single huge line', () => {
    const h = new Harness(['short', 'huge', 'short'], 64, (text) => (text === 'huge' ? 1000 : 1));
    const overshoot: number[] = [];
    let slices = 0;
    for (;;) {
      const deadline = h.clock.t + 15;
      const done = h.flush(deadline);
      slices++;
      overshoot.push(h.clock.t - deadline);
      if (done) {
        break;
      }
    }
    // Even with the clock read only every 64 finished lines, a step that leaves its line unfinished reads it.
    assert.ok(Math.max(...overshoot) <= 1, `overshoot ${Math.max(...overshoot)}`);
    assert.ok(slices >= 1000 / 16, `${slices} slices`);
    // The huge line was started once and resumed from then on.
    assert.equal(h.calls.filter((c) => c.line === 1 && !c.resumed).length, 1);
    h.assertInStep();
  });

  it('restarts a line cut short when it is edited, and forgets it when it is removed', () => {
    const h = new Harness(['huge', 'b'], 1, (text) => (text.startsWith('huge') ? 10 : 1));
    h.flush(h.clock.t + 3);
    assert.equal(h.engine.slots[0]!.seen, undefined, 'still counting line 0');
    // An edit of the line: a new slot, started afresh.
    h.replace(0, 1, ['huge2']);
    h.calls.length = 0;
    h.flush();
    assert.deepEqual(
      h.calls.find((c) => c.line === 0),
      { line: 0, resumed: false },
    );
    h.assertInStep();

    // Removed while in progress: nothing resumes it.
    h.replace(0, 1, ['huge3']);
    h.flush(h.clock.t + 2);
    h.replace(0, 1, []);
    h.calls.length = 0;
    assert.ok(h.flush());
    assert.deepEqual(h.calls, []);
    h.assertInStep();
  });

  it('marks lines pending again, restarting a line that was part way', () => {
    const h = new Harness(['huge', 'b'], 1, (text) => (text === 'huge' ? 10 : 1));
    h.flush(h.clock.t + 3);
    h.engine.markAllPending();
    h.calls.length = 0;
    h.flush();
    assert.deepEqual(h.calls[0], { line: 0, resumed: false });
    assert.equal(h.calls.filter((c) => !c.resumed).length, 2);
    h.calls.length = 0;
    h.engine.markPending(h.engine.slots[1]!);
    assert.equal(h.engine.pendingCount, 1);
    h.flush();
    assert.deepEqual(h.calls, [{ line: 1, resumed: false }]);
  });

  it('reset forgets slots without reporting them removed', () => {
    const h = new Harness(['a', 'b']);
    h.flush();
    h.lines = ['x', 'y', 'z'];
    h.engine.reset(3);
    assert.deepEqual(h.removed, []);
    assert.equal(h.engine.pendingCount, 3);
    h.flush();
    h.assertInStep();
  });
});

describe('countLines', () => {
  const cases: [string, number][] = [
    ['', 1],
    ['abc', 1],
    ['a\nb', 2],
    ['a\n', 2],
    ['\n\n', 3],
    ['a\r\nb', 2],
    ['\r\n', 2],
    ['a\r\n\r\nb', 3],
    ['a\rb', 2],
    ['a\r\rb', 3],
    ['a\r\n\nb\rc', 4],
  ];
  for (const [text, lines] of cases) {
    it(`${JSON.stringify(text)} spans ${lines} line${lines === 1 ? '' : 's'}`, () => {
      assert.equal(countLines(text), lines);
    });
  }
});
