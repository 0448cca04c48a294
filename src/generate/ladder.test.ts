import { describe, expect, it } from 'vitest';
import { Ladder } from './ladder.js';

describe('Ladder', () => {
  it('keeps bids best (highest) first', () => {
    const bids = new Ladder('bid');
    for (const tick of [100, 105, 98, 103]) bids.set(tick, tick);
    expect(bids.levels(10)).toEqual([
      [105, 105],
      [103, 103],
      [100, 100],
      [98, 98],
    ]);
    expect(bids.best()).toBe(105);
    expect(bids.worst()).toBe(98);
    expect(bids.isBetter(106, 105)).toBe(true);
    expect(bids.away(105, 3)).toBe(102);
  });

  it('keeps asks best (lowest) first', () => {
    const asks = new Ladder('ask');
    for (const tick of [100, 105, 98, 103]) asks.set(tick, 1);
    expect(asks.levels(2).map(([t]) => t)).toEqual([98, 100]);
    expect(asks.isBetter(97, 98)).toBe(true);
    expect(asks.away(98, 3)).toBe(101);
  });

  it('updates, removes and truncates levels', () => {
    const asks = new Ladder('ask');
    for (let tick = 10; tick < 20; tick++) asks.set(tick, 1);
    asks.set(12, 5);
    expect(asks.size).toBe(10);
    expect(asks.qtyAt(asks.indexOf(12))).toBe(5);
    expect(asks.has(12)).toBe(true);
    expect(asks.removeBetterThan(13)).toBe(3);
    expect(asks.best()).toBe(13);
    expect(asks.truncate(4)).toBe(3);
    expect(asks.levels(10).map(([t]) => t)).toEqual([13, 14, 15, 16]);
    asks.removeAt(0);
    asks.setQtyAt(0, 9);
    expect(asks.levels(1)).toEqual([[14, 9]]);
    expect(() => asks.set(20, 0)).toThrow(RangeError);
  });

  it('removes bids above a limit', () => {
    const bids = new Ladder('bid');
    for (let tick = 10; tick < 20; tick++) bids.set(tick, 1);
    expect(bids.removeBetterThan(15)).toBe(4);
    expect(bids.best()).toBe(15);
    expect(new Ladder('bid').best()).toBeUndefined();
  });
});
