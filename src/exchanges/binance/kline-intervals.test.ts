import { describe, expect, it } from 'vitest';
import { KLINE_SPECS, intervalEnd, intervalStart, type KlineSpec } from './kline-intervals.js';

const spec = (suffix: string): KlineSpec => {
  const s = KLINE_SPECS.find((k) => k.streamSuffix === suffix);
  if (s === undefined) throw new Error(`no spec ${suffix}`);
  return s;
};

/** Wednesday 2024-05-29 16:26:40.123 UTC (Thursday 00:26:40 in UTC+8). */
const T = Date.UTC(2024, 4, 29, 16, 26, 40, 123);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('kline interval boundaries', () => {
  it('has every Binance interval in UTC and in UTC+8, one stream name each', () => {
    // prettier-ignore
    const intervals = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
    expect(KLINE_SPECS.map((k) => k.streamSuffix)).toEqual([
      ...intervals.map((i) => `kline_${i}`),
      ...intervals.map((i) => `kline_${i}@+08:00`),
    ]);
  });

  it.each([
    ['kline_1s', '2024-05-29T16:26:40.000Z', '2024-05-29T16:26:41.000Z'],
    ['kline_1m', '2024-05-29T16:26:00.000Z', '2024-05-29T16:27:00.000Z'],
    ['kline_3m', '2024-05-29T16:24:00.000Z', '2024-05-29T16:27:00.000Z'],
    ['kline_5m', '2024-05-29T16:25:00.000Z', '2024-05-29T16:30:00.000Z'],
    ['kline_15m', '2024-05-29T16:15:00.000Z', '2024-05-29T16:30:00.000Z'],
    ['kline_30m', '2024-05-29T16:00:00.000Z', '2024-05-29T16:30:00.000Z'],
    ['kline_1h', '2024-05-29T16:00:00.000Z', '2024-05-29T17:00:00.000Z'],
    ['kline_2h', '2024-05-29T16:00:00.000Z', '2024-05-29T18:00:00.000Z'],
    ['kline_4h', '2024-05-29T16:00:00.000Z', '2024-05-29T20:00:00.000Z'],
    ['kline_6h', '2024-05-29T12:00:00.000Z', '2024-05-29T18:00:00.000Z'],
    ['kline_8h', '2024-05-29T16:00:00.000Z', '2024-05-30T00:00:00.000Z'],
    ['kline_12h', '2024-05-29T12:00:00.000Z', '2024-05-30T00:00:00.000Z'],
    ['kline_1d', '2024-05-29T00:00:00.000Z', '2024-05-30T00:00:00.000Z'],
    // 3-day intervals count from the Unix epoch.
    ['kline_3d', '2024-05-29T00:00:00.000Z', '2024-06-01T00:00:00.000Z'],
    // Weeks start on Monday 00:00 UTC.
    ['kline_1w', '2024-05-27T00:00:00.000Z', '2024-06-03T00:00:00.000Z'],
    ['kline_1M', '2024-05-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z'],
    // UTC+8: the same instant is already Thursday 2024-05-30 there.
    ['kline_1m@+08:00', '2024-05-29T16:26:00.000Z', '2024-05-29T16:27:00.000Z'],
    ['kline_6h@+08:00', '2024-05-29T16:00:00.000Z', '2024-05-29T22:00:00.000Z'],
    ['kline_12h@+08:00', '2024-05-29T16:00:00.000Z', '2024-05-30T04:00:00.000Z'],
    ['kline_1d@+08:00', '2024-05-29T16:00:00.000Z', '2024-05-30T16:00:00.000Z'],
    ['kline_3d@+08:00', '2024-05-28T16:00:00.000Z', '2024-05-31T16:00:00.000Z'],
    ['kline_1w@+08:00', '2024-05-26T16:00:00.000Z', '2024-06-02T16:00:00.000Z'],
    ['kline_1M@+08:00', '2024-04-30T16:00:00.000Z', '2024-05-31T16:00:00.000Z'],
  ])('%s holds 2024-05-29T16:26:40.123Z in [%s, %s)', (suffix, start, end) => {
    const s = spec(suffix);
    const t = intervalStart(s, T);
    expect(iso(t)).toBe(start);
    expect(iso(intervalEnd(s, t))).toBe(end);
  });

  it('puts every instant in exactly one interval: starts are fixed points, ends start the next', () => {
    const times = [Date.UTC(2023, 11, 31, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 12), Date.UTC(2024, 0, 1)];
    for (const s of KLINE_SPECS) {
      for (const t of times) {
        const start = intervalStart(s, t);
        const end = intervalEnd(s, start);
        expect(start).toBeLessThanOrEqual(t);
        expect(end).toBeGreaterThan(t);
        expect(intervalStart(s, start)).toBe(start);
        expect(intervalStart(s, end)).toBe(end);
        expect(intervalStart(s, end - 1)).toBe(start);
      }
    }
  });

  it('gives February 2024 its 29 days and December its year change', () => {
    const m = spec('kline_1M');
    expect(iso(intervalEnd(m, Date.UTC(2024, 1, 1)))).toBe('2024-03-01T00:00:00.000Z');
    expect(iso(intervalEnd(m, Date.UTC(2023, 11, 1)))).toBe('2024-01-01T00:00:00.000Z');
  });
});
