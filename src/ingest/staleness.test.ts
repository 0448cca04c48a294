import { describe, expect, it } from 'vitest';
import { StalenessTracker } from './staleness.js';

/** Feed `count` messages of (symbol, channel) every `gapMs`, from `start`; returns the last time. */
function traffic(
  t: StalenessTracker,
  symbol: string,
  channel: string,
  start: number,
  gapMs: number,
  count: number,
): number {
  let at = start;
  for (let i = 0; i < count; i++, at += gapMs) t.observe(symbol, channel, at);
  return at - gapMs;
}

describe('StalenessTracker', () => {
  it('a busy channel gone silent is stale within the floor; a quiet one silent as long is not', () => {
    const t = new StalenessTracker({ factor: 5, floorMs: 2000, minSamples: 5 });
    const busyEnd = traffic(t, 'BTC/USDT', 'trade', 0, 100, 200); // every 100 ms
    const quietEnd = traffic(t, 'XRP/USDT', 'trade', 0, 10_000, 3); // every 10 s, not learned yet
    traffic(t, 'ETH/USDT', 'trade', 0, 4000, 6); // every 4 s, learned
    const now = Math.max(busyEnd, quietEnd) + 2000;
    const stale = t.check(now);
    expect(stale.map((c) => `${c.symbol} ${c.channel}`)).toEqual(['BTC/USDT trade']);
    expect(stale[0]).toMatchObject({ stale: true, thresholdMs: 2000 });
    expect(stale[0].usualGapMs).toBeCloseTo(100, 0);
    expect(t.staleSymbols()).toEqual(['BTC/USDT']);
    // Announced once: the next check has nothing new.
    expect(t.check(now + 500)).toEqual([]);
  });

  it('a channel with a slow rhythm is stale only after k × its usual gap', () => {
    const t = new StalenessTracker({ factor: 3, peakFactor: 0, floorMs: 1000, minSamples: 5 });
    const end = traffic(t, 'ETH/USD', 'book', 0, 2000, 20);
    expect(t.check(end + 5900)).toEqual([]);
    expect(t.check(end + 6000).map((c) => c.channel)).toEqual(['book']);
  });

  it('bursty traffic: the longest recent lull is normal, so a lull like it is not stale', () => {
    const t = new StalenessTracker({ factor: 5, floorMs: 1000, minSamples: 5, peakFactor: 1.5 });
    let at = 0;
    for (let burst = 0; burst < 3; burst++) {
      at = traffic(t, 'ETH/USD', 'trade', at, 20, 50) + 9000; // 50 trades, then 9 s of nothing
    }
    const last = traffic(t, 'ETH/USD', 'trade', at, 20, 50);
    expect(t.check(last + 9000)).toEqual([]);
    expect(t.check(last + 14_000).map((c) => c.symbol)).toEqual(['ETH/USD']);
  });

  it('the next message after a stale spell reports live again and does not count as a normal gap', () => {
    const t = new StalenessTracker({ factor: 5, floorMs: 1000, minSamples: 5 });
    const end = traffic(t, 'BTC/USD', 'trade', 0, 100, 50);
    expect(t.check(end + 1500)).toHaveLength(1);
    const live = t.observe('BTC/USD', 'trade', end + 4000);
    expect(live).toMatchObject({ symbol: 'BTC/USD', channel: 'trade', stale: false, silentMs: 4000 });
    expect(t.isStale('BTC/USD', 'trade')).toBe(false);
    traffic(t, 'BTC/USD', 'trade', end + 4100, 100, 3);
    expect(t.check(end + 4300 + 1000).map((c) => c.usualGapMs)).toEqual([expect.closeTo(100, 0)]);
  });

  it('restartClocks: time the link was down is no silence of the channels; forget drops a symbol', () => {
    const t = new StalenessTracker({ factor: 5, floorMs: 1000, minSamples: 5 });
    const end = traffic(t, 'BTC/USD', 'book', 0, 100, 50);
    t.restartClocks(end + 30_000);
    expect(t.check(end + 30_500)).toEqual([]);
    expect(t.check(end + 31_000)).toHaveLength(1);
    t.forget('BTC/USD');
    expect(t.staleSymbols()).toEqual([]);
  });

  it('refuses settings it cannot work with', () => {
    expect(() => new StalenessTracker({ factor: 0 })).toThrow(/factor/);
    expect(() => new StalenessTracker({ minSamples: 0 })).toThrow(
      /minSamples must be a whole number >= 1, got 0/,
    );
    expect(() => new StalenessTracker({ alpha: 2 })).toThrow(/alpha must be in \(0, 1\], got 2/);
  });
});
