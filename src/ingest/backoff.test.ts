import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('draws each delay under a doubling ceiling, capped, with full jitter', () => {
    const draws = [0.5, 0.999, 0, 0.5, 0.5, 0.5, 0.5];
    let i = 0;
    const b = new Backoff({ baseMs: 100, maxMs: 1000, random: () => draws[i++] });
    expect([b.ceiling(), b.next()]).toEqual([100, 50]);
    expect([b.ceiling(), b.next()]).toEqual([200, 199]);
    expect([b.ceiling(), b.next()]).toEqual([400, 0]);
    expect([b.ceiling(), b.next()]).toEqual([800, 400]);
    expect([b.ceiling(), b.next()]).toEqual([1000, 500]); // capped
    expect(b.attempts).toBe(5);
    b.reset();
    expect([b.attempts, b.ceiling(), b.next()]).toEqual([0, 100, 50]);
  });

  it('stays within [0, cap) for any number of failures and any random source', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (n, r) => {
          const b = new Backoff({ baseMs: 250, maxMs: 30_000, random: () => r });
          let last = 0;
          for (let k = 0; k <= n; k++) last = b.next();
          expect(last).toBeGreaterThanOrEqual(0);
          expect(last).toBeLessThan(30_000);
          expect(Number.isFinite(b.ceiling())).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects nonsense options', () => {
    expect(() => new Backoff({ baseMs: -1 })).toThrow(RangeError);
    expect(() => new Backoff({ factor: 0.5 })).toThrow(RangeError);
  });
});
