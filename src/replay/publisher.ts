import type { Speed } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { ReplaySink } from './events.js';
import { Pacer, systemClock, type PacerClock } from './pacer.js';
import { SpanTracker, type ReplaySource } from './source.js';

/** Wall-time step at which a quiet replay clock still advances the hub. */
const ADVANCE_STEP_MS = 100;

export interface PublisherOptions {
  source: ReplaySource;
  speed: Speed;
  loop: boolean;
  logger: Logger;
  clock?: PacerClock;
  /** Gap between the last event of one pass and the first of the next, replay ms. Default 1000. */
  loopGapMs?: number;
  /** Start paused (`--paused`): nothing plays until `resume()`. */
  paused?: boolean;
}

export interface PublisherStats {
  published: number;
  passes: number;
  /** Replay time of the last event published, ms (NaN before the first). */
  replayTime: number;
  running: boolean;
  paused: boolean;
}

/**
 * Plays one exchange's replay source into a sink (the hub) on the replay clock: paced by
 * `speed`, pass after pass with `loop`.
 */
export class ReplayPublisher {
  private readonly opts: PublisherOptions;
  private readonly pacer: Pacer;
  private readonly counters: PublisherStats = {
    published: 0,
    passes: 0,
    replayTime: NaN,
    running: false,
    paused: false,
  };
  /** Replay time when paused (NaN at max speed or before the first event): where `resume` picks up. */
  private pausedAt = NaN;
  private resumed: Array<() => void> = [];

  constructor(opts: PublisherOptions) {
    this.opts = opts;
    this.pacer = new Pacer(opts.speed, opts.clock);
    if (opts.paused === true) this.pause();
  }

  get speed(): Speed {
    return this.pacer.currentSpeed;
  }

  /** Stop publishing (and moving the hub's clock) until `resume()`; replay time stands still. */
  pause(): void {
    if (this.counters.paused) return;
    this.counters.paused = true;
    this.pausedAt = this.pacer.replayNow();
  }

  /** Go on from the replay time where `pause()` stopped, at the current speed. */
  resume(): void {
    if (!this.counters.paused) return;
    this.counters.paused = false;
    if (Number.isNaN(this.pausedAt)) this.pacer.reanchor();
    else this.pacer.startAt(this.pausedAt);
    for (const wake of this.resumed.splice(0)) wake();
  }

  private untilResumed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.resumed.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  stats(): PublisherStats & Record<string, number | boolean> {
    return { ...this.counters, ...this.opts.source.stats() };
  }

  setSpeed(speed: Speed): void {
    this.pacer.setSpeed(speed);
  }

  /**
   * Wait until `ts` is due. During a long quiet gap, keep the sink's replay clock moving in
   * small steps so time-cadenced streams (1 s tickers, 100 ms partial books) keep flowing.
   */
  private async waitFor(ts: number, sink: ReplaySink, signal?: AbortSignal): Promise<void> {
    const pacer = this.pacer;
    const clock = this.opts.clock ?? systemClock;
    for (;;) {
      while (this.counters.paused && signal?.aborted !== true) await this.untilResumed(signal);
      if (sink.advanceTo !== undefined) {
        while (!this.counters.paused && pacer.delayUntil(ts) > ADVANCE_STEP_MS) {
          await clock.sleep(ADVANCE_STEP_MS, signal);
          if (this.counters.paused) break;
          const now = Math.floor(pacer.replayNow());
          if (now < ts) sink.advanceTo(now);
        }
      }
      if (this.counters.paused) continue;
      await pacer.waitFor(ts, signal);
      // Paused during the last stretch of the wait: the event waits for the resume too.
      if (!this.counters.paused) return;
    }
  }

  /** Resolves when the recordings are exhausted (never with `loop`, unless aborted). */
  async run(sink: ReplaySink, signal?: AbortSignal): Promise<PublisherStats> {
    this.counters.running = true;
    try {
      await this.play(sink, signal);
    } catch (err) {
      if (!signal?.aborted) throw err;
    } finally {
      this.counters.running = false;
    }
    return { ...this.counters };
  }

  private async play(sink: ReplaySink, signal?: AbortSignal): Promise<void> {
    const { source, loop, logger } = this.opts;
    const gap = this.opts.loopGapMs ?? 1000;
    const counters = this.counters;
    const start = await source.recordingStart();
    if (start !== undefined) this.pacer.startAt(start);
    // Measured over every event published, so each pass starts `gap` after the previous one's true end.
    const times = new SpanTracker();
    for (let index = 0; ; index++) {
      const timeShift = times.shiftPast(gap);
      let events = 0;
      for await (const event of source.pass(index, timeShift)) {
        if (signal?.aborted) return;
        await this.waitFor(event.ts, sink, signal);
        times.see(event.ts);
        sink.push(event);
        events++;
        counters.published++;
        counters.replayTime = event.ts;
      }
      counters.passes = index + 1;
      logger.info({ pass: index + 1, events, ...source.stats() }, 'replay pass finished');
      if (!loop || events === 0 || signal?.aborted) return;
    }
  }
}
