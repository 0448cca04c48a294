/**
 * Where each recorded series of one publisher stands: which of its messages a run skips (a saved
 * offset, `--start-from`) and which it has published, saved through one {@link OffsetTracker} per
 * series (../shared/DESIGN.md "Offsets").
 *
 * A series' messages are numbered from its first one, pass after pass (`--loop` goes on
 * counting); `messagesPublished` in the offset file is the number of the last one published. A
 * restart skips that many and goes on with the next: no gap, no duplicate after a graceful stop.
 * The owner flushes them so that at most N of the messages it sent are ever unsaved: a crash repeats
 * at most N of them.
 */
import { basename } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { EventOrigin, ReplayEvent } from './events.js';
import { loadOffsetFile } from './offset-file.js';
import { OffsetTracker, type StartFrom } from './offsets.js';

/** Why an event is skipped: before a saved offset (`resumed`), before the start mode's point (`start`); false: it plays. */
export type SkipVerdict = 'resumed' | 'start' | false;

export interface SeriesPositionsOptions {
  readonly platform: string;
  /** Offsets directory (`--state`); undefined keeps no offsets (every series starts per `startFrom`). */
  readonly stateDir?: string;
  readonly startFrom: StartFrom;
  /** Ignore saved offsets (`--reset`). */
  readonly reset: boolean;
  /** Applies when a saved offset is corrupt. Default `startFrom`. */
  readonly fallback?: StartFrom;
  /** T: each series' offset is also saved this often, ms. */
  readonly everyMs: number;
  readonly logger: Logger;
}

/** One series: how many of its messages went by, and up to which one a restart skips. */
export class SeriesEntry {
  /** Messages of the series seen so far in this run, skipped ones included. */
  seen = 0;
  readonly tracker: OffsetTracker | undefined;
  private readonly skipThrough: number;
  private readonly startAt: number;
  private readonly skipFirstPass: boolean;
  private readonly resumed: { file: string; lineNumber: number } | undefined;

  constructor(
    tracker: OffsetTracker | undefined,
    start: { skipThrough: number; startAt: number; skipFirstPass: boolean },
    resumed?: { file: string; lineNumber: number },
  ) {
    this.tracker = tracker;
    this.skipThrough = start.skipThrough;
    this.startAt = start.startAt;
    this.skipFirstPass = start.skipFirstPass;
    this.resumed = resumed;
  }

  /**
   * Counts `event` (of pass `pass`) and tells whether it is skipped: `resumed` when a saved offset
   * says it was published already, `start` when the start mode leaves it out, false when it goes.
   * The last skipped message of a resumed series must lie where the offset says; when the
   * recordings changed, it is logged.
   */
  skip(event: ReplayEvent, pass: number, logger: Logger): SkipVerdict {
    const number = ++this.seen;
    if (number <= this.skipThrough) {
      if (number === this.skipThrough && this.resumed !== undefined && event.origin !== undefined) {
        const o = event.origin;
        if (basename(o.file) !== this.resumed.file || o.lineNumber !== this.resumed.lineNumber) {
          logger.warn(
            { saved: this.resumed, now: { file: basename(o.file), lineNumber: o.lineNumber } },
            'offsets: the recordings changed since the offset was saved; resuming by message count',
          );
        }
      }
      return 'resumed';
    }
    if (pass === 0 && (this.skipFirstPass || event.ts < this.startAt)) return 'start';
    return false;
  }

  /** `event` (the series' message number `number`) reached the hub. */
  published(origin: EventOrigin, number: number): void {
    this.tracker?.publishedAt(
      { file: origin.file, lineNumber: origin.lineNumber, timestamp: origin.capturedAt },
      number,
    );
  }
}

export class SeriesPositions {
  private readonly options: SeriesPositionsOptions;
  private readonly byEndpoint = new Map<string, Map<string, SeriesEntry>>();
  private readonly all: SeriesEntry[] = [];
  private readonly keys: string[] = [];

  constructor(options: SeriesPositionsOptions) {
    this.options = options;
  }

  /** The entry of `origin`'s series when already loaded (no allocation). */
  get(origin: EventOrigin): SeriesEntry | undefined {
    return this.byEndpoint.get(origin.endpoint)?.get(origin.stored);
  }

  /** Loads (once) the saved offset of `origin`'s series and decides where it starts. */
  async load(origin: EventOrigin): Promise<SeriesEntry> {
    const known = this.get(origin);
    if (known !== undefined) return known;
    const { platform, stateDir, startFrom, reset, logger } = this.options;
    const series = { platform, endpoint: origin.endpoint, symbol: origin.stored };
    const mode = (m: StartFrom, skipThrough = 0) => ({
      skipThrough,
      startAt: typeof m === 'number' ? m : -Infinity,
      skipFirstPass: m === 'latest',
    });
    let start = mode(startFrom);
    let resumed: { file: string; lineNumber: number } | undefined;
    let messagesPublished = 0;
    if (stateDir !== undefined && !reset) {
      const loaded = await loadOffsetFile(stateDir, series);
      if (loaded.kind === 'corrupt') {
        const fallback = this.options.fallback ?? startFrom;
        logger.warn(
          { path: loaded.path, problem: loaded.problem, fallback },
          `offsets: ignoring ${loaded.path}: ${loaded.problem}; starting from ${fallback} (delete the file or run with --reset to silence this)`,
        );
        start = mode(fallback);
      } else if (loaded.kind === 'ok') {
        messagesPublished = loaded.record.messagesPublished;
        start = mode('beginning', messagesPublished);
        resumed = { file: loaded.record.currentFile, lineNumber: loaded.record.lineNumber };
        logger.info(
          { path: loaded.path, messagesPublished, file: loaded.record.currentFile },
          'offsets: resuming after the saved offset',
        );
      }
    }
    const tracker =
      stateDir === undefined
        ? undefined
        : new OffsetTracker({
            stateDir,
            series,
            // Saves are flushed by the owner every N messages over all series (see `flush`).
            everyMessages: Number.MAX_SAFE_INTEGER,
            everyMs: this.options.everyMs,
            logger,
            resumed:
              resumed === undefined
                ? undefined
                : {
                    platform,
                    endpoint: origin.endpoint,
                    symbol: origin.stored,
                    currentFile: resumed.file,
                    lineNumber: resumed.lineNumber,
                    lastTimestamp: 0,
                    messagesPublished,
                    lastUpdated: new Date().toISOString(),
                  },
          });
    const entry = new SeriesEntry(tracker, start, resumed);
    let bySymbol = this.byEndpoint.get(origin.endpoint);
    if (bySymbol === undefined) this.byEndpoint.set(origin.endpoint, (bySymbol = new Map()));
    bySymbol.set(origin.stored, entry);
    this.all.push(entry);
    this.keys.push(`${origin.endpoint}/${origin.stored}`);
    return entry;
  }

  /** Per series (`endpoint/symbol`): its messages that went by so far, skipped ones included. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.all.length; i++) out[this.keys[i]] = this.all[i].seen;
    return out;
  }

  /** Saves every series' newest position; resolves when all are on disk (or failed, logged). */
  async flush(): Promise<void> {
    await Promise.all(this.all.map((e) => e.tracker?.flush()));
  }

  /** Stops the timers and saves every series. */
  async close(): Promise<void> {
    await Promise.all(this.all.map((e) => e.tracker?.close()));
  }
}
