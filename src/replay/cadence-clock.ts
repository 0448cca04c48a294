/**
 * The replay-time cadence clock: streams pushed every N ms (partial books, tickers, klines)
 * are timed by the replay timeline, never by the wall clock, so their output is the same at any
 * speed. Replay time is what the venue is told (`advanceTo`, each event's `ts`); a cadence
 * fires when replay time reaches one of its boundaries (multiples of its period, from the Unix
 * epoch), before the event that reached it. Boundaries crossed in one step collapse into the
 * latest: nothing changed between them, so one push says all.
 */

/** Called at boundary `at` (a multiple of the period); `previous` is the boundary it last fired at (-Infinity the first time). */
export type CadenceCallback = (at: number, previous: number) => void;

/** What a callback threw, or a replay time that is not a number; `periodMs` is undefined for the latter. */
export type CadenceErrorHandler = (error: unknown, periodMs: number | undefined) => void;

/** One registered period, as the clock's callbacks may consult it. */
export interface Cadence {
  readonly periodMs: number;
  /** True while the clock runs the callbacks of a step that reached this cadence's boundary. */
  readonly due: boolean;
}

class Registered implements Cadence {
  readonly periodMs: number;
  readonly callback: CadenceCallback | undefined;
  due = false;
  /** The next boundary to reach, once the clock has a time. */
  next = Infinity;
  previous = -Infinity;

  constructor(periodMs: number, callback: CadenceCallback | undefined) {
    this.periodMs = periodMs;
    this.callback = callback;
  }

  startAfter(time: number): void {
    this.next = Math.floor(time / this.periodMs) * this.periodMs + this.periodMs;
  }
}

export class CadenceClock {
  /** Longest period first, so at a shared boundary a slower stream's push precedes a faster one's. */
  private readonly cadences: Registered[] = [];
  private readonly onError: CadenceErrorHandler;
  private time: number | null = null;

  /** `onError` hears what a callback threw; the clock and the other callbacks go on regardless. */
  constructor(onError: CadenceErrorHandler) {
    this.onError = onError;
  }

  /** Replay time of the furthest step so far, ms; null before the first. */
  get replayTime(): number | null {
    return this.time;
  }

  /**
   * Fire `callback` on every boundary of `periodMs` that replay time reaches, from the first one
   * after the current time. Without a callback, the cadence only tells other callbacks (through
   * `due`) that its boundary was reached in the same step.
   */
  every(periodMs: number, callback?: CadenceCallback): Cadence {
    if (!Number.isSafeInteger(periodMs) || periodMs <= 0) {
      throw new RangeError(`cadence period ${periodMs} ms: must be a whole number of milliseconds above 0`);
    }
    const cadence = new Registered(periodMs, callback);
    if (this.time !== null) cadence.startAfter(this.time);
    let at = this.cadences.length;
    while (at > 0 && this.cadences[at - 1].periodMs < periodMs) at--;
    this.cadences.splice(at, 0, cadence);
    return cadence;
  }

  /**
   * Move replay time to `ts`: first the cadences whose boundary it reaches fire, each once at the
   * latest boundary crossed, longest period first. The first call only sets the time (boundaries
   * before it are history). A `ts` at or before the current time changes nothing.
   */
  /**
   * Set replay time back to `ts` (a seek to an earlier time): every cadence starts again after
   * it, as at the first event.
   */
  rewindTo(ts: number): void {
    if (!Number.isFinite(ts)) return;
    this.time = ts;
    for (let i = 0; i < this.cadences.length; i++) {
      this.cadences[i].due = false;
      this.cadences[i].startAfter(ts);
    }
  }

  advanceTo(ts: number): void {
    if (!Number.isFinite(ts)) {
      this.onError(
        new RangeError(`replay time ${ts} is not a finite number of ms; the clock stays put`),
        undefined,
      );
      return;
    }
    const cadences = this.cadences;
    if (this.time === null) {
      this.time = ts;
      for (let i = 0; i < cadences.length; i++) cadences[i].startAfter(ts);
      return;
    }
    let reached = false;
    for (let i = 0; i < cadences.length; i++) {
      const c = cadences[i];
      if (ts < c.next) continue;
      c.due = reached = true;
      c.next = Math.floor(ts / c.periodMs) * c.periodMs + c.periodMs;
    }
    if (reached) this.fire();
    if (ts > this.time) this.time = ts;
  }

  private fire(): void {
    const cadences = this.cadences;
    for (let i = 0; i < cadences.length; i++) {
      const c = cadences[i];
      if (!c.due) continue;
      const at = c.next - c.periodMs;
      const previous = c.previous;
      c.previous = at;
      if (c.callback === undefined) continue;
      try {
        c.callback(at, previous);
      } catch (error) {
        this.onError(error, c.periodMs);
      }
    }
    for (let i = 0; i < cadences.length; i++) cadences[i].due = false;
  }
}
