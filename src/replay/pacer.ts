import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Speed } from '../config/schema.js';

export interface PacerClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/** At `--speed max`, let sockets flush after this many events. */
const MAX_SPEED_BATCH = 256;

/**
 * Maps replay time onto wall time: `--speed 1` keeps the recorded gaps, `N` divides them,
 * `max` never waits (but yields to the event loop regularly so I/O keeps flowing).
 */
export class Pacer {
  private speed: Speed;
  private readonly clock: PacerClock;
  private anchorReplay = NaN;
  private anchorWall = 0;
  private sinceYield = 0;

  constructor(speed: Speed, clock: PacerClock = systemClock) {
    this.speed = speed;
    this.clock = clock;
  }

  get currentSpeed(): Speed {
    return this.speed;
  }

  /** Change speed from the current position on, without jumping. */
  setSpeed(speed: Speed): void {
    this.speed = speed;
    this.anchorReplay = NaN;
  }

  /** Replay time `ts` is now: events timed before it are due at once, later ones at their time. */
  startAt(ts: number): void {
    this.anchorReplay = ts;
    this.anchorWall = this.clock.now();
  }

  /** Forget the anchor: the next event plays at once and timing continues from it (resume, seek). */
  reanchor(): void {
    this.anchorReplay = NaN;
  }

  /** Replay time now, by the wall clock (NaN before the first event and at max speed). */
  replayNow(): number {
    if (this.speed === 'max' || Number.isNaN(this.anchorReplay)) return NaN;
    return this.anchorReplay + (this.clock.now() - this.anchorWall) * this.speed;
  }

  /** Wall ms until the event at replay time `ts` is due (0 when it is due now or pacing is off). */
  delayUntil(ts: number): number {
    if (this.speed === 'max' || Number.isNaN(this.anchorReplay)) return 0;
    return Math.max(0, this.anchorWall + (ts - this.anchorReplay) / this.speed - this.clock.now());
  }

  /**
   * At `--speed max`: true when the next event may go at once, counted as one of the batch
   * between yields; false when {@link waitFor} has something to wait for (a yield, a time).
   */
  goesAtOnce(): boolean {
    if (this.speed !== 'max' || this.sinceYield + 1 >= MAX_SPEED_BATCH) return false;
    this.sinceYield++;
    return true;
  }

  /** Resolves when the event at replay time `ts` is due. */
  async waitFor(ts: number, signal?: AbortSignal): Promise<void> {
    if (this.speed === 'max') {
      if (++this.sinceYield >= MAX_SPEED_BATCH) {
        this.sinceYield = 0;
        await yieldToLoop();
      }
      return;
    }
    if (Number.isNaN(this.anchorReplay)) {
      this.anchorReplay = ts;
      this.anchorWall = this.clock.now();
      return;
    }
    const due = this.anchorWall + (ts - this.anchorReplay) / this.speed;
    const delay = due - this.clock.now();
    // Timers run in whole milliseconds and may fire a fraction early: round up, never out early.
    if (delay > 0.5) await this.clock.sleep(Math.ceil(delay), signal);
  }
}
