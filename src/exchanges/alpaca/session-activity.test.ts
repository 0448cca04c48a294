import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inSession } from './market-hours.js';
import { SessionCalendar } from './session-activity.js';

const utc = (iso: string): number => Date.parse(iso);

describe('session activity', () => {
  it('is U-shaped over the session: an opening burst, a calm midday, a closing burst', () => {
    const c = new SessionCalendar();
    const open = c.activity(utc('2026-01-05T14:30:00Z'));
    const tenPast = c.activity(utc('2026-01-05T14:40:00Z'));
    const midday = c.activity(utc('2026-01-05T17:45:00Z'));
    const lastMinute = c.activity(utc('2026-01-05T20:59:00Z'));
    expect(open).toBeGreaterThan(3.5);
    expect(tenPast).toBeLessThan(open);
    expect(tenPast).toBeGreaterThan(midday);
    expect(midday).toBeCloseTo(1, 2);
    expect(lastMinute).toBeGreaterThan(2);
    expect(lastMinute).toBeLessThan(open);
  });

  it('is 0 exactly outside the session, whatever order the instants come in', () => {
    const c = new SessionCalendar();
    fc.assert(
      fc.property(
        fc.integer({ min: utc('2026-03-01T00:00:00Z'), max: utc('2026-03-15T00:00:00Z') }),
        (ms) => {
          expect(c.activity(ms) > 0).toBe(inSession(ms));
          expect(c.isOpen(ms)).toBe(inSession(ms));
        },
      ),
    );
  });

  it('tells whether a window overlaps a session (the open moves an hour across the DST change)', () => {
    const c = new SessionCalendar();
    expect(c.overlapsSession(utc('2026-03-06T13:25:00Z'), utc('2026-03-06T13:35:00Z'))).toBe(false);
    expect(c.overlapsSession(utc('2026-03-09T13:25:00Z'), utc('2026-03-09T13:35:00Z'))).toBe(true);
    expect(c.overlapsSession(utc('2026-03-09T20:00:00Z'), utc('2026-03-09T20:05:00Z'))).toBe(false);
    expect(c.overlapsSession(utc('2026-03-07T12:00:00Z'), utc('2026-03-08T12:00:00Z'))).toBe(false);
    expect(c.overlapsSession(utc('2026-03-09T15:00:00Z'), utc('2026-03-09T15:00:00Z'))).toBe(false);
  });
});
