import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import type { ReplayEvent } from './events.js';
import type { PacerClock } from './pacer.js';
import { ReplayPublisher } from './publisher.js';
import type { ReplaySource } from './source.js';

/** A source over fixed event times; each pass shifts them by `timeShift`. */
function sourceOf(times: number[]): ReplaySource {
  return {
    symbols: ['BTCUSDT'],
    async *pass(_index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
      for (const t of times)
        yield { exchange: 'binance', symbol: 'BTCUSDT', ts: t + timeShift, kind: 'trade', data: t };
    },
    stats: () => ({}),
  };
}

/** Wall time moves only when the pacer sleeps, each sleep overshooting by `late` ms as real timers do. */
function virtualClock(late = 0): PacerClock {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms + late;
    },
  };
}

describe('ReplayPublisher', () => {
  it('publishes every event once, in order, and reports the replay time', async () => {
    const pushed: number[] = [];
    const publisher = new ReplayPublisher({
      source: sourceOf([10, 20, 30]),
      speed: 'max',
      loop: false,
      logger: silentLogger(),
    });
    const stats = await publisher.run({ push: (e) => pushed.push(e.ts) });
    expect(pushed).toEqual([10, 20, 30]);
    expect(stats).toMatchObject({ published: 3, passes: 1, replayTime: 30 });
  });

  it('loops with time shifted past the previous pass', async () => {
    const pushed: number[] = [];
    const abort = new AbortController();
    const publisher = new ReplayPublisher({
      source: sourceOf([1000, 1500, 3000]),
      speed: 'max',
      loop: true,
      loopGapMs: 1000,
      logger: silentLogger(),
    });
    await publisher.run(
      {
        push: (e) => {
          pushed.push(e.ts);
          if (pushed.length === 7) abort.abort();
        },
      },
      abort.signal,
    );
    expect(pushed).toEqual([1000, 1500, 3000, 4000, 4500, 6000, 7000]);
  });

  it('keeps the hub clock moving through quiet gaps at historical speed', async () => {
    const advanced: number[] = [];
    const pushed: number[] = [];
    const publisher = new ReplayPublisher({
      source: sourceOf([0, 1000]),
      speed: 1,
      loop: false,
      logger: silentLogger(),
      clock: virtualClock(),
    });
    await publisher.run({ push: (e) => pushed.push(e.ts), advanceTo: (ts) => advanced.push(ts) });
    expect(pushed).toEqual([0, 1000]);
    expect(advanced).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it('advances the hub clock in whole milliseconds even when timers run late', async () => {
    const advanced: number[] = [];
    const publisher = new ReplayPublisher({
      source: sourceOf([0, 1000]),
      speed: 1,
      loop: false,
      logger: silentLogger(),
      clock: virtualClock(0.37),
    });
    await publisher.run({ push: () => {}, advanceTo: (ts) => advanced.push(ts) });
    expect(advanced.length).toBeGreaterThan(5);
    for (const ts of advanced) expect(Number.isInteger(ts)).toBe(true);
  });
});
