import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BookSide } from './book-side.js';

describe('BookSide', () => {
  it('keeps bids best (highest) first and asks best (lowest) first', () => {
    const bids = new BookSide<number>(true);
    const asks = new BookSide<number>(false);
    for (const p of [3, 1, 2]) {
      bids.set(p, p * 10);
      asks.set(p, p * 10);
    }
    expect(bids.top().map(([p]) => p)).toEqual([3, 2, 1]);
    expect(asks.top().map(([p]) => p)).toEqual([1, 2, 3]);
    expect(bids.best()).toEqual([3, 30]);
  });

  it('replaces, deletes and truncates levels', () => {
    const side = new BookSide<string>(false);
    side.set(1, 'a');
    side.set(2, 'b');
    side.set(1, 'c');
    expect(side.size).toBe(2);
    expect(side.get(1)).toBe('c');
    expect(side.delete(5)).toBe(false);
    expect(side.delete(1)).toBe(true);
    expect(side.top()).toEqual([[2, 'b']]);
    side.set(3, 'x');
    side.set(4, 'y');
    side.truncate(2);
    expect(side.top()).toEqual([
      [2, 'b'],
      [3, 'x'],
    ]);
    expect(side.has(4)).toBe(false);
  });

  it('matches a sorted map under any sequence of sets and deletes', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 }))),
        (descending, ops) => {
          const side = new BookSide<number>(descending);
          const model = new Map<number, number>();
          for (const [price, amount] of ops) {
            if (amount === 0) {
              side.delete(price);
              model.delete(price);
            } else {
              side.set(price, amount);
              model.set(price, amount);
            }
          }
          const expected = [...model.entries()].sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
          expect(side.top()).toEqual(expected);
        },
      ),
    );
  });
});
