import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CadenceClock } from './cadence-clock.js';

type Fired = [period: number, at: number, previous: number];

/** A clock with one recording callback per period; errors are collected, never thrown. */
function recordingClock(periods: readonly number[]): {
  clock: CadenceClock;
  fired: Fired[];
  errors: [unknown, number | undefined][];
} {
  const fired: Fired[] = [];
  const errors: [unknown, number | undefined][] = [];
  const clock = new CadenceClock((error, period) => errors.push([error, period]));
  for (const p of periods) clock.every(p, (at, previous) => fired.push([p, at, previous]));
  return { clock, fired, errors };
}

/**
 * The reference: per step, every boundary (multiple of the period) above the time so far and
 * at or below `ts`, found by walking them one by one; a step fires the latest of them, once.
 */
function expectedFires(periods: readonly number[], steps: readonly number[]): Fired[][] {
  const out: Fired[][] = [];
  const previous = new Map(periods.map((p) => [p, -Infinity]));
  let time: number | undefined;
  for (const ts of steps) {
    const step: Fired[] = [];
    if (time !== undefined) {
      for (const p of [...periods].sort((a, b) => b - a)) {
        const crossed: number[] = [];
        for (let b = Math.ceil((time + 1) / p) * p + 0; b <= ts; b += p) crossed.push(b);
        if (crossed.length === 0) continue;
        const at = crossed[crossed.length - 1];
        step.push([p, at, previous.get(p) as number]);
        previous.set(p, at);
      }
    }
    time = time === undefined ? ts : Math.max(time, ts);
    out.push(step);
  }
  return out;
}

describe('CadenceClock', () => {
  it('fires on the boundaries replay time reaches, before moving on, longest period first', () => {
    const { clock, fired } = recordingClock([100, 1000]);
    expect(clock.replayTime).toBeNull();
    clock.advanceTo(10_050);
    expect([fired, clock.replayTime]).toEqual([[], 10_050]);
    clock.advanceTo(10_099);
    expect(fired).toEqual([]);
    clock.advanceTo(10_100);
    expect(fired).toEqual([[100, 10_100, -Infinity]]);
    clock.advanceTo(11_000);
    expect(fired.slice(1)).toEqual([
      [1000, 11_000, -Infinity],
      [100, 11_000, 10_100],
    ]);
    expect(clock.replayTime).toBe(11_000);
  });

  it('collapses the boundaries crossed in one step into the latest', () => {
    const { clock, fired } = recordingClock([1000]);
    clock.advanceTo(500);
    clock.advanceTo(7_250);
    expect(fired).toEqual([[1000, 7_000, -Infinity]]);
    clock.advanceTo(9_000);
    expect(fired[1]).toEqual([1000, 9_000, 7_000]);
  });

  it('never goes back: a step at or before the current time fires nothing and keeps the time', () => {
    const { clock, fired } = recordingClock([100]);
    clock.advanceTo(1_000);
    clock.advanceTo(1_150);
    clock.advanceTo(900);
    clock.advanceTo(1_150);
    expect([fired, clock.replayTime]).toEqual([[[100, 1_100, -Infinity]], 1_150]);
  });

  it('fires exactly at the boundaries crossed, once per step and period, in order, for any steps', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(100, 250, 1000, 2000, 60_000), { minLength: 1, maxLength: 4 }),
        fc.array(
          fc.oneof(
            fc.integer({ min: -5_000, max: 200_000 }),
            // Exactly on a boundary as often: a step that lands on one must fire it.
            fc.integer({ min: -100, max: 4_000 }).map((k) => k * 50 + 0),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (periods, steps) => {
          const { clock, fired } = recordingClock(periods);
          const expected = expectedFires(periods, steps);
          for (let i = 0; i < steps.length; i++) {
            const before = fired.length;
            clock.advanceTo(steps[i]);
            expect(fired.slice(before)).toEqual(expected[i]);
          }
          expect(clock.replayTime).toBe(Math.max(...steps));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('tells every callback of a step which other cadences are due in it', () => {
    const clock = new CadenceClock(() => undefined);
    const even = clock.every(2000);
    const seen: [number, boolean][] = [];
    clock.every(1000, (at) => seen.push([at, even.due]));
    for (const ts of [0, 1_000, 2_000, 3_500, 5_100, 5_900, 8_000]) clock.advanceTo(ts);
    expect(seen).toEqual([
      [1_000, false],
      [2_000, true],
      [3_000, false],
      [5_000, true], // 4 000 was crossed on the way
      [8_000, true],
    ]);
    expect(even.due).toBe(false);
  });

  it('keeps running when a callback throws: the others fire, later steps fire, the error is reported', () => {
    const fired: number[] = [];
    const errors: [string, number | undefined][] = [];
    const clock = new CadenceClock((error, period) => errors.push([(error as Error).message, period]));
    clock.every(1000, (at) => {
      if (at === 1000) throw new Error('ticker failed');
      fired.push(at);
    });
    clock.every(100, (at) => fired.push(at));
    clock.advanceTo(950);
    clock.advanceTo(1_000);
    clock.advanceTo(1_100);
    clock.advanceTo(2_000);
    expect(fired).toEqual([1_000, 1_100, 2_000, 2_000]);
    expect(errors).toEqual([['ticker failed', 1000]]);
  });

  it('reports a replay time that is not a finite number and stays where it was', () => {
    const { clock, fired, errors } = recordingClock([100]);
    clock.advanceTo(Number.NaN);
    expect(clock.replayTime).toBeNull();
    clock.advanceTo(1_000);
    clock.advanceTo(Number.POSITIVE_INFINITY);
    clock.advanceTo(1_100);
    expect([fired, clock.replayTime]).toEqual([[[100, 1_100, -Infinity]], 1_100]);
    expect(errors.map(([e, p]) => [(e as Error).message, p])).toEqual([
      ['replay time NaN is not a finite number of ms; the clock stays put', undefined],
      ['replay time Infinity is not a finite number of ms; the clock stays put', undefined],
    ]);
  });

  it('starts a cadence registered mid-replay from the current time; equal periods fire in registration order', () => {
    const { clock, fired } = recordingClock([1000]);
    clock.advanceTo(1_500);
    clock.every(1000, (at, previous) => fired.push([-1000, at, previous]));
    clock.advanceTo(3_000);
    expect(fired).toEqual([
      [1000, 3_000, -Infinity],
      [-1000, 3_000, -Infinity],
    ]);
  });

  it('refuses a period that is not a whole number of ms above 0', () => {
    const clock = new CadenceClock(() => undefined);
    for (const p of [0, -100, 2.5, Number.NaN])
      expect(() => clock.every(p)).toThrow(
        `cadence period ${p} ms: must be a whole number of milliseconds above 0`,
      );
  });
});
