import { describe, expect, it } from 'vitest';
import { AlpacaMarket, History } from './hub-market.js';

const t = (i: number) => new Date(Date.parse('2026-01-05T15:00:00Z') + i * 1000).toISOString();

describe('AlpacaMarket state', () => {
  it('keeps the newest items of a bounded history with their times and sequence numbers that never repeat', () => {
    const h = new History<number>(8);
    for (let i = 0; i < 100; i++) h.push(i, Date.parse(t(i)));
    expect(h.length).toBeGreaterThanOrEqual(8);
    expect(h.length).toBeLessThanOrEqual(10);
    expect(h.last).toBe(99);
    for (let k = 0; k < h.length; k++) {
      expect(h.seqAt(k)).toBe(h.valueAt(k) + 1);
      expect(h.msAt(k)).toBe(Date.parse(t(h.valueAt(k))));
    }
    expect(h.valueAt(h.indexOfSeq(95))).toBe(94);
    expect(h.indexOfSeq(1)).toBe(0);
    expect(h.indexOfSeq(1000)).toBe(h.length);
  });

  it('rolls the daily bar at New York midnight (DST-aware) into the previous daily bar', () => {
    const m = new AlpacaMarket('AAPL');
    const bar = (time: string, c: number) => ({ t: time, o: c, h: c, l: c, c, v: 1, n: 1, vw: c });
    m.addBar(bar('2026-03-06T20:59:00Z', 1)); // Friday, EST
    const monday = m.addBar(bar('2026-03-09T13:30:00Z', 2)); // Monday, EDT
    expect(m.prevDaily?.t).toBe('2026-03-06T05:00:00Z');
    expect(monday.t).toBe('2026-03-09T04:00:00Z');
    expect(m.bars.valueAt(m.barIndexAt(Date.parse('2026-03-09T13:30:00Z'))).c).toBe(2);
    expect(m.barIndexAt(Date.parse('2026-03-09T13:31:00Z'))).toBe(-1);
  });
});
