import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limiter.js';

describe('TokenBucket', () => {
  it('allows the burst, then refills at the rate (injected clock)', () => {
    let t = 0;
    const bucket = new TokenBucket({ perSecond: 4, burst: 2 }, () => t);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    expect(bucket.waitMs()).toBe(250);
    t = 249;
    expect(bucket.tryTake()).toBe(false);
    t = 250;
    expect(bucket.tryTake()).toBe(true);
    t = 10_000; // long idle: never more than the burst
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    bucket.reset();
    expect(bucket.waitMs()).toBe(0);
  });

  it('never lets more than burst + rate through in any one-second window', () => {
    let t = 0;
    const bucket = new TokenBucket({ perSecond: 4, burst: 1 }, () => t);
    const sent: number[] = [];
    for (t = 0; t < 10_000; t += 7) if (bucket.tryTake()) sent.push(t);
    const worst = Math.max(...sent.map((s) => sent.filter((u) => u >= s && u < s + 1000).length));
    expect(worst).toBe(4);
    expect(
      Math.max(...sent.map((s) => sent.filter((u) => u >= s && u <= s + 1000).length)),
    ).toBeLessThanOrEqual(5);
  });

  it('rejects a zero rate', () => {
    expect(() => new TokenBucket({ perSecond: 0 })).toThrow(RangeError);
  });
});
