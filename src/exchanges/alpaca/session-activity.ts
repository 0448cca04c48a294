/**
 * How busy a US stock is through the regular session: U-shaped, with an opening burst that
 * decays over the first half hour, a calm midday and a closing burst into 16:00 [doc: the
 * well-known intraday volume "smile"; shape and sizes are calibration, unconfirmed]. 0 outside the
 * session (market-hours.ts), so the simulated market prints nothing then.
 */
import { currentOrNextSession, type Session } from './market-hours.js';

/** Peak of the opening burst over the midday level, and how fast it fades (share of the session). */
const OPEN_BURST = 3;
const OPEN_FADE = 0.035;
const CLOSE_BURST = 1.6;
const CLOSE_FADE = 0.03;

/**
 * The sessions around a clock that mostly moves forward, looked up once per session rather than
 * at every call (the time-zone arithmetic is not free).
 */
export class SessionCalendar {
  private session: Session | undefined;
  /** The session is the right answer for instants from here up to its close. */
  private validFrom = Infinity;

  /** The session in progress at `ms`, or the next one to open. */
  sessionAt(ms: number): Session {
    if (this.session === undefined || ms < this.validFrom || ms >= this.session.close) {
      this.session = currentOrNextSession(ms);
      this.validFrom = ms;
    }
    return this.session;
  }

  /** Open ≤ ms < close of a weekday session. */
  isOpen(ms: number): boolean {
    return ms >= this.sessionAt(ms).open;
  }

  /** True when [fromMs, toMs) overlaps a session. */
  overlapsSession(fromMs: number, toMs: number): boolean {
    return toMs > fromMs && this.sessionAt(fromMs).open < toMs;
  }

  /** The activity multiplier at `ms`: 0 outside the session, 1 at midday, about 4 at the open. */
  activity(ms: number): number {
    const session = this.sessionAt(ms);
    if (ms < session.open) return 0;
    const x = (ms - session.open) / (session.close - session.open);
    return 1 + OPEN_BURST * Math.exp(-x / OPEN_FADE) + CLOSE_BURST * Math.exp(-(1 - x) / CLOSE_FADE);
  }
}
