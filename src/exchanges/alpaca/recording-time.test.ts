import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareInstants, formatAlpacaTime, parseAlpacaTime, shiftAlpacaTime } from './recording-time.js';

describe('Alpaca RFC3339 times', () => {
  it('writes up to nine fraction digits, trailing zeros left out, none on a whole second', () => {
    const ms = Date.UTC(2021, 1, 22, 15, 51, 45, 335);
    expect(formatAlpacaTime(ms, 689_322)).toBe('2021-02-22T15:51:45.335689322Z');
    expect(formatAlpacaTime(Date.UTC(2021, 1, 22, 15, 51, 44, 208))).toBe('2021-02-22T15:51:44.208Z');
    expect(formatAlpacaTime(Date.UTC(2021, 1, 22, 19, 15))).toBe('2021-02-22T19:15:00Z');
    expect(formatAlpacaTime(Date.UTC(2021, 1, 22, 19, 15), 1)).toBe('2021-02-22T19:15:00.000000001Z');
    expect(() => formatAlpacaTime(ms, 1_000_000)).toThrow(RangeError);
  });

  it('reads what it writes, and nothing that is not an RFC3339 UTC time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: 0, max: 999_999 }),
        (ms, subMsNanos) => {
          expect(parseAlpacaTime(formatAlpacaTime(ms, subMsNanos))).toEqual({ ms, subMsNanos });
        },
      ),
    );
    for (const bad of [
      '2021-02-22T15:51:45',
      '2021-02-22 15:51:45Z',
      '2021-02-22T15:51:45.1234567890Z',
      17,
      null,
    ]) {
      expect(parseAlpacaTime(bad)).toBeUndefined();
    }
  });

  it('shifts by whole ms keeping the sub-ms digits, and orders instants', () => {
    expect(shiftAlpacaTime('2026-01-05T14:30:00.123456789Z', 86_400_000 + 877)).toBe(
      '2026-01-06T14:30:01.000456789Z',
    );
    expect(shiftAlpacaTime('not a time', 1)).toBeUndefined();
    const a = parseAlpacaTime('2026-01-05T14:30:00.123456789Z')!;
    const b = parseAlpacaTime('2026-01-05T14:30:00.12345679Z')!;
    expect(compareInstants(a, b)).toBeLessThan(0);
    expect(compareInstants(b, a)).toBeGreaterThan(0);
    expect(compareInstants(a, a)).toBe(0);
  });
});
