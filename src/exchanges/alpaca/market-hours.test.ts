import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentOrNextSession, inSession, newYorkMidnight, newYorkTime, sessionOn } from './market-hours.js';

const utc = (iso: string): number => Date.parse(iso);

describe('US regular session', () => {
  it('is 09:30-16:00 New York: 14:30-21:00 UTC in winter (EST), 13:30-20:00 UTC in summer (EDT)', () => {
    expect(sessionOn(utc('2026-01-05T18:00:00Z'))).toEqual({
      open: utc('2026-01-05T14:30:00Z'),
      close: utc('2026-01-05T21:00:00Z'),
    });
    expect(sessionOn(utc('2026-07-06T18:00:00Z'))).toEqual({
      open: utc('2026-07-06T13:30:00Z'),
      close: utc('2026-07-06T20:00:00Z'),
    });
  });

  it('follows DST on both sides of each change (2026-03-08 and 2026-11-01)', () => {
    // Friday before spring forward: EST; Monday after: EDT.
    expect(sessionOn(utc('2026-03-06T15:00:00Z'))!.open).toBe(utc('2026-03-06T14:30:00Z'));
    expect(sessionOn(utc('2026-03-09T15:00:00Z'))!.open).toBe(utc('2026-03-09T13:30:00Z'));
    // Friday before fall back: EDT; Monday after: EST.
    expect(sessionOn(utc('2026-10-30T15:00:00Z'))!.close).toBe(utc('2026-10-30T20:00:00Z'));
    expect(sessionOn(utc('2026-11-02T15:00:00Z'))!.close).toBe(utc('2026-11-02T21:00:00Z'));
    expect(inSession(utc('2026-03-09T13:45:00Z'))).toBe(true);
    expect(inSession(utc('2026-03-06T13:45:00Z'))).toBe(false);
  });

  it('has no session on weekends, and the next one opens on Monday', () => {
    expect(sessionOn(utc('2026-01-10T16:00:00Z'))).toBeUndefined(); // Saturday
    expect(sessionOn(utc('2026-01-11T16:00:00Z'))).toBeUndefined(); // Sunday
    expect(currentOrNextSession(utc('2026-01-09T21:00:00Z')).open).toBe(utc('2026-01-12T14:30:00Z'));
    expect(currentOrNextSession(utc('2026-01-09T20:59:59Z')).open).toBe(utc('2026-01-09T14:30:00Z'));
  });

  it('finds New York midnight, also on the days the clocks change', () => {
    expect(newYorkMidnight(utc('2026-01-05T18:00:00Z'))).toBe(utc('2026-01-05T05:00:00Z'));
    expect(newYorkMidnight(utc('2026-07-06T03:30:00Z'))).toBe(utc('2026-07-05T04:00:00Z')); // still the 5th in NY
    expect(newYorkMidnight(utc('2026-03-08T18:00:00Z'))).toBe(utc('2026-03-08T05:00:00Z')); // EST at midnight
    expect(newYorkMidnight(utc('2026-11-01T18:00:00Z'))).toBe(utc('2026-11-01T04:00:00Z')); // EDT at midnight
  });

  it('open ≤ t < close exactly, at any instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: utc('2020-01-01T00:00:00Z'), max: utc('2030-01-01T00:00:00Z') }),
        (ms) => {
          const ny = newYorkTime(ms);
          const weekday = ny.weekday !== 'Sat' && ny.weekday !== 'Sun';
          const expected = weekday && ny.minuteOfDay >= 570 && ny.minuteOfDay < 960;
          expect(inSession(ms)).toBe(expected);
          const midnight = newYorkMidnight(ms);
          expect(newYorkTime(midnight).minuteOfDay).toBe(0);
          expect(ms - midnight).toBeLessThan(25 * 3_600_000);
          expect([-5 * 3_600_000, -4 * 3_600_000]).toContain(ny.offsetMs);
        },
      ),
    );
  });
});
