import * as assert from 'node:assert/strict';
import { TurnBudget } from '../../src/features/documents/turnBudget';

/** A budget on a hand-moved clock whose turns end when the test says so. */
function budget(ms: number) {
  const clock = { t: 100 };
  const endOfTurn: (() => void)[] = [];
  const b = new TurnBudget(ms, () => clock.t, (callback) => endOfTurn.push(callback));
  return { b, clock, endTurn: () => endOfTurn.splice(0).forEach((f) => f()) };
}

describe('TurnBudget', () => {
  it('gives work in the same turn one shared deadline', () => {
    const { b, clock } = budget(12);
    assert.equal(b.deadline(), 112);
    clock.t = 110; // a first piece of work took 10 ms
    assert.equal(b.deadline(), 112, 'the second piece gets what is left, not a slice of its own');
    assert.equal(b.remaining(), 2);
    clock.t = 130;
    assert.equal(b.remaining(), 0);
  });

  it('starts a new budget in the next turn', () => {
    const { b, clock, endTurn } = budget(12);
    b.deadline();
    clock.t = 150;
    endTurn();
    assert.equal(b.remaining(), 12);
    assert.equal(b.deadline(), 162);
  });

  it('asks for the end of the turn once per turn', () => {
    let asked = 0;
    const b = new TurnBudget(5, () => 0, () => asked++);
    b.deadline();
    b.deadline();
    assert.equal(asked, 1);
  });
});
