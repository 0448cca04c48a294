import { describe, expect, it } from 'vitest';
import { toUnits } from '../core/decimal.js';
import { TradeTape } from './trade-tape.js';

interface T {
  id: number;
  px: string;
  at: number;
}

const add = (tape: TradeTape<T>, t: T) =>
  tape.add(t, t.id, (u) => {
    u.price = toUnits(t.px);
    u.qty = toUnits('1');
    u.quote = u.price * u.qty;
    u.time = t.at;
    u.id = t.id;
    u.takerBuy = true;
  });

describe('TradeTape', () => {
  it('keeps trades in id order, ignores and counts a repeated or older id, and trims to its size', () => {
    const tape = new TradeTape<T>(3);
    for (let id = 1; id <= 7; id++)
      expect(add(tape, { id, px: String(100 + id), at: id * 1000 })).toBeDefined();
    expect(add(tape, { id: 7, px: '1', at: 8000 })).toBeUndefined();
    expect(add(tape, { id: 2, px: '1', at: 8000 })).toBeUndefined();
    expect(tape.ignored).toBe(2);
    expect(tape.last?.id).toBe(7);
    expect(tape.latest(10).map((t) => t.id)).toEqual([5, 6, 7]);
    expect(tape.latest(2).map((t) => t.id)).toEqual([6, 7]);
    // The window holds every trade added (the tape trims, the window does not).
    const day = tape.window24h(8000);
    expect(day).toMatchObject({ firstId: 1, lastId: 7, open: toUnits('101'), high: toUnits('107') });
  });

  it('changes nothing when parsing a trade throws', () => {
    const tape = new TradeTape<T>(10);
    expect(() => add(tape, { id: 1, px: 'not a number', at: 0 })).toThrow();
    expect(tape.last).toBeUndefined();
    expect(add(tape, { id: 1, px: '5', at: 0 })).toBeDefined();
  });
});
