import type { Speed } from '../config/schema.js';
import type { Exchange } from '../core/types.js';
import type { ControlAction } from './link/link-wire.js';
import type { Logger } from '../core/logger.js';
import { asSnapshot, type ReplayEvent, type ReplaySink } from './events.js';
import type { StartFrom } from './offsets.js';
import { Pacer, systemClock, type PacerClock } from './pacer.js';
import type { SeriesEntry, SeriesPositions, SkipVerdict } from './series-positions.js';
import { passChunks, SpanTracker, type ReplaySource } from './source.js';
import { SymbolRateLimiter, type SymbolRateLimit } from './symbol-rate.js';

/** Wall-time step at which a quiet replay clock still advances the hub. */
const ADVANCE_STEP_MS = 100;

export interface PublisherOptions {
  source: ReplaySource;
  /** The exchange replayed (a seek tells the sink which venue's clock to set back). */
  exchange?: Exchange;
  /** A fresh source over the same recordings, for a seek (sources keep state pass after pass). */
  reopen?: () => Promise<ReplaySource>;
  /**
   * Where each series starts and what was published (offsets): made for the start of the run
   * (`startFrom` as configured, saved offsets honoured) and again on a seek (`to`, offsets
   * ignored). Without it every series starts at its beginning and nothing is saved.
   */
  positions?: (startFrom: StartFrom | undefined, reset: boolean) => SeriesPositions;
  /** N: at most this many messages sent are ever unsaved (a crash repeats at most N). Default 10000. */
  checkpointEvery?: number;
  /** T: also save the offsets this often, ms. Default 1000. */
  checkpointMs?: number;
  /** At most this many messages a second per symbol, with a burst allowance. */
  rateLimit?: SymbolRateLimit;
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
  /** Messages a start mode, a saved offset or a seek skipped. */
  skipped: number;
  seeks: number;
}

export interface PublisherReport {
  readonly state: 'playing' | 'paused' | 'finished';
  readonly speed: Speed;
  /** Replay time of the last event published, ms; null before the first. */
  readonly replayTime: number | null;
  readonly published: number;
  readonly passes: number;
  readonly paused: boolean;
  readonly seeks: number;
  /** Per series (`endpoint/symbol`): its messages published or skipped so far. */
  readonly positions: Readonly<Record<string, number>>;
}

/** A position in a run: one series' message number and where it was recorded. */
interface Pending {
  entry: SeriesEntry;
  origin: NonNullable<ReplayEvent['origin']>;
  number: number;
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
    skipped: 0,
    seeks: 0,
  };
  /** Set by `seek()`: the run stops at the next event and starts again from this time. */
  private seekTo: number | undefined;
  private seekAbort: AbortController | undefined;
  private positions: SeriesPositions | undefined;
  /** The newest message sent per series since the last checkpoint. */
  private readonly pending = new Map<SeriesEntry, Pending>();
  private sinceCheckpoint = 0;
  private checkpointing: Promise<void> = Promise.resolve();
  /** Saves started and not finished. */
  private savesInFlight = 0;
  /** Messages published whose positions are saved (or were handled by a save that found the link stopped). */
  private savedThrough = 0;
  /** Why the last save failed (a disk error): the run stops with it. */
  private saveError: unknown;
  /** Native symbols whose next book event must go out as a whole snapshot. */
  private readonly freshBooks = new Set<string>();
  private readonly limiter: SymbolRateLimiter | undefined;
  /** Replay time when paused (NaN at max speed or before the first event): where `resume` picks up. */
  private pausedAt = NaN;
  private resumed: Array<() => void> = [];

  constructor(opts: PublisherOptions) {
    this.opts = opts;
    this.pacer = new Pacer(opts.speed, opts.clock);
    this.limiter = opts.rateLimit === undefined ? undefined : new SymbolRateLimiter(opts.rateLimit);
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

  /** One control API action (`POST /control/replay`). */
  apply(action: ControlAction): void {
    if (action.action === 'pause') this.pause();
    else if (action.action === 'resume') this.resume();
    else if (action.action === 'speed') this.setSpeed(action.speed);
    else this.seek(action.to);
  }

  /**
   * Start again at recording time `to` (ms): the run stops at its next event, reopens the
   * recordings and plays from the first event at or after `to`, each book's first event as a
   * fresh snapshot. Offsets go on from there.
   */
  seek(to: number): void {
    if (!Number.isFinite(to)) throw new RangeError(`seek: "to" must be a time in unix ms, got ${to}`);
    if (this.opts.reopen === undefined) throw new Error('seek: this publisher cannot reopen its recordings');
    this.seekTo = to;
    this.seekAbort?.abort();
    if (this.counters.paused) this.pausedAt = to;
  }

  /** The run as the control API and the link's status report it. */
  report(): PublisherReport {
    const s = this.counters;
    return {
      state: !s.running ? 'finished' : s.paused ? 'paused' : 'playing',
      speed: this.speed,
      replayTime: Number.isNaN(s.replayTime) ? null : s.replayTime,
      published: s.published,
      passes: s.passes,
      paused: s.paused,
      seeks: s.seeks,
      positions: this.positionsNow(),
    };
  }

  /** Per series (`endpoint/symbol`): its messages published or skipped so far. */
  positionsNow(): Record<string, number> {
    return this.positions?.counts() ?? {};
  }

  /**
   * Saves each series' newest position sent so far, once the hub has everything sent so far
   * (after the saves already under way). The publisher does not wait for it unless N messages
   * are unsaved (see {@link play}).
   */
  checkpoint(sink: ReplaySink): Promise<void> {
    const positions = this.positions;
    const through = this.counters.published;
    this.sinceCheckpoint = 0;
    if (positions === undefined || this.pending.size === 0) {
      // Nothing unsaved beyond what the saves under way hold.
      if (this.savesInFlight === 0) this.savedThrough = through;
      return this.checkpointing;
    }
    const batch = [...this.pending.values()];
    this.pending.clear();
    // Asked now: what was pushed up to here, not what the publisher pushes while earlier saves run.
    const delivered = sink.delivered?.() ?? Promise.resolve();
    delivered.catch(() => undefined);
    this.savesInFlight++;
    const run = async (): Promise<void> => {
      try {
        try {
          await delivered;
        } catch {
          // Not delivered (the link stopped): the offsets stay where they are, the restart sends these again.
          return;
        }
        for (const p of batch) p.entry.published(p.origin, p.number);
        await positions.flush();
      } catch (err) {
        this.saveError ??= err;
        throw err;
      } finally {
        this.savesInFlight--;
        if (through > this.savedThrough) this.savedThrough = through;
      }
    };
    this.checkpointing = this.checkpointing.then(run, run);
    return this.checkpointing;
  }

  /**
   * After each message: a save starts once N/2 messages are unsaved and fewer than two saves are
   * under way (the next one's wait for the hub overlaps the previous one's disk writes), and the
   * replay waits only while N are unsaved, so a crash repeats at most N and the link's pipeline
   * never drains for a save. While the link is down this also holds the replay once N
   * messages wait in the reconnection buffer (what does not fit is dropped, counted, by the
   * overflow policy).
   */
  private afterSend(sink: ReplaySink, every: number): Promise<void> | undefined {
    if (++this.sinceCheckpoint >= every / 2 && this.savesInFlight < 2)
      void this.checkpoint(sink).catch(() => undefined);
    if (this.saveError !== undefined) throw this.saveError;
    return this.counters.published - this.savedThrough < every ? undefined : this.untilSaved(sink, every);
  }

  /** Waits for saves until fewer than `every` messages are unsaved. */
  private async untilSaved(sink: ReplaySink, every: number): Promise<void> {
    while (this.counters.published - this.savedThrough >= every) {
      await (this.savesInFlight > 0 ? this.checkpointing : this.checkpoint(sink)).catch(() => undefined);
      if (this.saveError !== undefined) throw this.saveError;
    }
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
      // Stopped or seeked while waiting: the caller sees the abort and leaves.
      if (signal?.aborted === true) return;
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
    // A failed save surfaces in the run (afterSend), not as an unhandled rejection here.
    const timer = setInterval(
      () => void this.checkpoint(sink).catch(() => undefined),
      this.opts.checkpointMs ?? 1000,
    );
    timer.unref();
    try {
      let source = this.opts.source;
      let startFrom: StartFrom | undefined;
      let reset = false;
      for (;;) {
        this.positions = this.opts.positions?.(startFrom, reset);
        await this.play(source, sink, signal);
        const to = this.seekTo;
        if (to === undefined || signal?.aborted === true) break;
        // A seek: save where this run got to, then play the recordings again from `to`.
        await this.checkpoint(sink);
        await this.positions?.close();
        this.seekTo = undefined;
        this.counters.seeks++;
        source = await (this.opts.reopen as () => Promise<ReplaySource>)();
        startFrom = to;
        reset = true;
        this.pacer.startAt(to);
        for (const symbol of source.symbols) this.freshBooks.add(symbol);
        if (this.opts.exchange !== undefined) sink.seeked?.(this.opts.exchange, to);
      }
    } catch (err) {
      if (!signal?.aborted) throw err;
    } finally {
      clearInterval(timer);
      this.counters.running = false;
      await this.checkpoint(sink).catch(() => undefined);
      await this.positions?.close();
    }
    return { ...this.counters };
  }

  /**
   * Counts `event` in its series; says why the run skips it (saved offset, start mode), or false.
   * Synchronous once the series' position is loaded (every event but a series' first).
   */
  private skipped(event: ReplayEvent, pass: number): SkipVerdict | Promise<SkipVerdict> {
    const positions = this.positions;
    const origin = event.origin;
    if (positions === undefined || origin === undefined) return false;
    const entry = positions.get(origin);
    if (entry !== undefined) return entry.skip(event, pass, this.opts.logger);
    return positions.load(origin).then((loaded) => loaded.skip(event, pass, this.opts.logger));
  }

  /** Notes `event` as sent: the next checkpoint saves its series' position once the hub has it. */
  private sent(event: ReplayEvent): void {
    const origin = event.origin;
    const entry = origin === undefined ? undefined : this.positions?.get(origin);
    if (entry === undefined || origin === undefined) return;
    const known = this.pending.get(entry);
    if (known === undefined) this.pending.set(entry, { entry, origin, number: entry.seen });
    else {
      known.origin = origin;
      known.number = entry.seen;
    }
  }

  /** The event as it goes out: a book's first event after a skip or seek as a whole snapshot. */
  private outgoing(event: ReplayEvent): ReplayEvent {
    if (this.freshBooks.size === 0 || !this.freshBooks.has(event.symbol)) return event;
    if (event.kind === 'book_snapshot') this.freshBooks.delete(event.symbol);
    else if (event.kind === 'book_update' && event.full !== undefined) {
      this.freshBooks.delete(event.symbol);
      return asSnapshot(event);
    }
    return event;
  }

  private async play(source: ReplaySource, sink: ReplaySink, outer?: AbortSignal): Promise<void> {
    const { loop, logger } = this.opts;
    const gap = this.opts.loopGapMs ?? 1000;
    const every = this.opts.checkpointEvery ?? 10_000;
    const counters = this.counters;
    const seekAbort = new AbortController();
    this.seekAbort = seekAbort;
    const signal = outer === undefined ? seekAbort.signal : AbortSignal.any([outer, seekAbort.signal]);
    if (this.seekTo === undefined && counters.seeks === 0) {
      const start = await source.recordingStart();
      if (start !== undefined) this.pacer.startAt(start);
    }
    // Measured over every event published, so each pass starts `gap` after the previous one's true end.
    const times = new SpanTracker();
    let skipping = false;
    for (let index = 0; ; index++) {
      const timeShift = times.shiftPast(gap);
      let events = 0;
      for await (const run of passChunks(source, index, timeShift)) {
        for (const event of run) {
          if (signal.aborted || this.seekTo !== undefined) return;
          times.see(event.ts);
          events++;
          const verdict = this.skipped(event, index);
          if (verdict === 'resumed' || verdict === 'start' || (verdict !== false && (await verdict))) {
            counters.skipped++;
            if (event.kind === 'book_update' || event.kind === 'book_snapshot')
              this.freshBooks.add(event.symbol);
            skipping = true;
            continue;
          }
          if (skipping) {
            // The first event after skipped ones: the replay clock starts at it.
            skipping = false;
            this.pacer.startAt(event.ts);
          }
          if (counters.paused || !this.pacer.goesAtOnce()) {
            try {
              await this.waitFor(event.ts, sink, signal);
            } catch (err) {
              if (signal.aborted) return;
              throw err;
            }
          }
          if (signal.aborted || this.seekTo !== undefined) return;
          const limited = this.limiter?.delay(event.symbol) ?? 0;
          const waiting =
            limited > 0
              ? (this.opts.clock ?? systemClock).sleep(limited, signal)
              : (sink.backpressure?.() ?? (this.pacer.currentSpeed === 'max' ? sink.room?.() : undefined));
          if (waiting !== undefined) {
            try {
              await waiting;
            } catch (err) {
              if (signal.aborted) return;
              throw err;
            }
            // The link carried less than the pace asked: go on at its rate, intervals kept from here.
            this.pacer.startAt(event.ts);
          }
          sink.push(this.outgoing(event));
          this.sent(event);
          counters.published++;
          counters.replayTime = event.ts;
          const saving = this.positions === undefined ? undefined : this.afterSend(sink, every);
          if (saving !== undefined) await saving;
        }
      }
      counters.passes = index + 1;
      logger.info({ pass: index + 1, events, ...source.stats() }, 'replay pass finished');
      if (!loop || events === 0 || signal.aborted) return;
    }
  }
}
