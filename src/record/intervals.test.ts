import { describe, expect, it } from 'vitest';
import { intervalFor, parseDuration, parseIntervals } from './intervals.js';
import { toyPlan } from './test-support/toy-exchange.js';

const plan = toyPlan({
  symbols: ['A'],
  limit: 5,
  trades: 'trades',
  tradesWeight: 1,
  depthWeight: 1,
  rateLimits: [],
  tradesIntervalMs: 5000,
  depthIntervalMs: 1000,
});

describe('--interval', () => {
  it('reads durations with ms, s, m and h', () => {
    expect(['250ms', '2s', '1.5s', '1m', '2h'].map((d) => parseDuration(d))).toEqual([
      250, 2000, 1500, 60_000, 7_200_000,
    ]);
  });

  it('refuses a duration without a unit, a negative or a too short one, naming it', () => {
    for (const bad of ['5', '-1s', '2x', '1ms', '']) {
      expect(() => parseDuration(bad, '--interval trades')).toThrow(
        `--interval trades "${bad}" is not a duration`,
      );
    }
  });

  it('applies plain keys to every venue and venue keys to one, the venue key winning', () => {
    const o = parseIntervals('toy.trades=3s, trades=2s,depth=500ms', [plan]);
    expect(intervalFor(o, 'toy', 'trades', 5000)).toBe(3000);
    expect(intervalFor(o, 'other', 'trades', 5000)).toBe(2000);
    expect(intervalFor(o, 'toy', 'depth', 1000)).toBe(500);
    expect(intervalFor(o, 'toy', 'info', 9000)).toBe(9000);
    expect(intervalFor(parseIntervals(undefined, [plan]), 'toy', 'depth', 1000)).toBe(1000);
  });

  it('names an unknown key, a key given twice and an entry that is no key=value', () => {
    expect(() => parseIntervals('tardes=2s', [plan])).toThrow(
      'unknown endpoint key "tardes"; keys of the chosen exchanges: depth, trades',
    );
    expect(() => parseIntervals('nope.trades=2s', [plan])).toThrow('unknown endpoint key "nope.trades"');
    expect(() => parseIntervals('trades=2s,trades=3s', [plan])).toThrow('sets "trades" twice');
    expect(() => parseIntervals('2s', [plan])).toThrow('--interval entry "2s" is not <key>=<duration>');
  });
});
