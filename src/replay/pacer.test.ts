import { describe, expect, it } from 'vitest';
import { Pacer, type PacerClock } from './pacer.js';

/** A clock whose time only moves when the pacer sleeps: every wait is recorded, nothing is timed. */
function virtualClock(): PacerClock & { slept: number[] } {
  let now = 1000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('Pacer', () => {
  it('keeps recorded gaps at speed 1', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(1, clock);
    for (const ts of [5000, 5000, 5250, 6000]) await pacer.waitFor(ts);
    expect(clock.slept).toEqual([250, 750]);
  });

  it('divides gaps at speed N', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(10, clock);
    for (const ts of [0, 1000, 3000]) await pacer.waitFor(ts);
    expect(clock.slept).toEqual([100, 200]);
  });

  it('never sleeps at max speed', async () => {
    const clock = virtualClock();
    const pacer = new Pacer('max', clock);
    for (let i = 0; i < 1000; i++) await pacer.waitFor(i * 1000);
    expect(clock.slept).toEqual([]);
  });

  it('changes speed from the current position without a jump', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(1, clock);
    await pacer.waitFor(0);
    await pacer.waitFor(1000);
    pacer.setSpeed(4);
    await pacer.waitFor(2000);
    await pacer.waitFor(3000);
    expect(clock.slept).toEqual([1000, 250]);
  });

  it('started at a replay time, plays earlier events at once and paces from there', async () => {
    const clock = virtualClock();
    const pacer = new Pacer(2, clock);
    pacer.startAt(5000);
    for (const ts of [3000, 4000, 4999, 5000, 5500, 6500]) await pacer.waitFor(ts);
    expect(clock.slept).toEqual([250, 500]);
  });
});
