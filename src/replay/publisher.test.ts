import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import type { ReplayEvent } from './events.js';
import type { PacerClock } from './pacer.js';
import { ReplayPublisher } from './publisher.js';
import type { ReplaySource } from './source.js';

/**
 * A source over fixed event times (pass `i` plays `times(i)`); each pass shifts them by
 * `timeShift`. The recordings start at `start` (default: the first pass's first time).
 */
function sourceOf(times: number[] | ((index: number) => number[]), start?: number): ReplaySource {
  const timesOf = typeof times === 'function' ? times : () => times;
  return {
    symbols: ['BTCUSDT'],
    async *pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
      for (const t of timesOf(index))
        yield { exchange: 'binance', symbol: 'BTCUSDT', ts: t + timeShift, kind: 'trade', data: t };
    },
    recordingStart: () => Promise.resolve(start ?? timesOf(0)[0]),
    stats: () => ({}),
  };
}

/** Loop `source` at max speed until `count` events were pushed; their times. */
async function loopTimes(source: ReplaySource, count: number, loopGapMs: number): Promise<number[]> {
  const pushed: number[] = [];
  const abort = new AbortController();
  const publisher = new ReplayPublisher({
    source,
    speed: 'max',
    loop: true,
    loopGapMs,
    logger: silentLogger(),
  });
  await publisher.run(
    {
      push: (e) => {
        pushed.push(e.ts);
        if (pushed.length === count) abort.abort();
      },
    },
    abort.signal,
  );
  return pushed;
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
    const pushed = await loopTimes(sourceOf([1000, 1500, 3000]), 7, 1000);
    expect(pushed).toEqual([1000, 1500, 3000, 4000, 4500, 6000, 7000]);
  });

  it("starts every pass the loop gap after the previous pass's last event, whatever that pass's span", async () => {
    // The recordings grew after the first pass (a recorder still appending): later passes are longer.
    const source = sourceOf((index) => (index === 0 ? [1000, 3000] : [1000, 3000, 5000]));
    const pushed = await loopTimes(source, 8, 500);
    expect(pushed).toEqual([1000, 3000, 3500, 5500, 7500, 8000, 10_000, 12_000]);
  });

  it("plays what predates the recordings' start at once on the first pass, and at its own times after a seam", async () => {
    // Trades a first poll returned from before the capture began (400 and 700), then the capture from 1000 on.
    const clock = virtualClock();
    const wallAt: Array<[number, number]> = [];
    const abort = new AbortController();
    const publisher = new ReplayPublisher({
      source: sourceOf([400, 700, 1000, 1500], 1000),
      speed: 1,
      loop: true,
      loopGapMs: 100,
      logger: silentLogger(),
      clock,
    });
    await publisher.run(
      {
        push: (e) => {
          wallAt.push([e.ts, clock.now()]);
          if (wallAt.length === 8) abort.abort();
        },
      },
      abort.signal,
    );
    expect(wallAt).toEqual([
      [400, 0],
      [700, 0],
      [1000, 0],
      [1500, 500],
      [1600, 600],
      [1900, 900],
      [2200, 1200],
      [2700, 1700],
    ]);
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

  it('pauses: nothing is published and the clock stands still until resume, then timing goes on from there', async () => {
    let wall = 0;
    const clock: PacerClock = {
      now: () => wall,
      sleep: async (ms) => {
        wall += ms;
        await new Promise((r) => setImmediate(r));
      },
    };
    const pushed: Array<{ ts: number; wall: number }> = [];
    const advanced: number[] = [];
    const publisher = new ReplayPublisher({
      source: sourceOf([0, 1000, 2000, 3000]),
      speed: 1,
      loop: false,
      logger: silentLogger(),
      clock,
      paused: true,
    });
    const run = publisher.run({
      push: (e) => {
        pushed.push({ ts: e.ts, wall });
        if (e.ts === 1000) publisher.pause();
      },
      advanceTo: (ts) => advanced.push(ts),
    });
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(pushed).toEqual([]); // started paused
    expect(publisher.stats()).toMatchObject({ paused: true, published: 0 });
    publisher.resume();
    while (!publisher.stats().paused || pushed.length < 2) await new Promise((r) => setImmediate(r));
    const pausedAtWall = wall;
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(pushed.map((p) => p.ts)).toEqual([0, 1000]); // paused after 1000: 2000 waits
    expect(wall).toBe(pausedAtWall); // nothing sleeps while paused
    const advancedWhilePaused = advanced.length;
    wall += 60_000; // a minute of wall time passes while paused
    publisher.resume();
    await run;
    expect(pushed.map((p) => p.ts)).toEqual([0, 1000, 2000, 3000]);
    // From the resume on, the recorded 1 s gaps again (the paused minute is not made up for).
    expect(pushed[2].wall - (pausedAtWall + 60_000)).toBeLessThanOrEqual(1000);
    expect(pushed[3].wall - pushed[2].wall).toBe(1000);
    expect(advanced.length).toBeGreaterThanOrEqual(advancedWhilePaused);
    expect(publisher.stats()).toMatchObject({ paused: false, published: 4 });
  });
});
