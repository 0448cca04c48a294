/**
 * Replay offsets (../shared/DESIGN.md "Offsets"): an {@link OffsetTracker} that a publisher tells
 * of what it published and that saves the position through `offset-file.ts`. Where each series
 * starts (saved offset, `--start-from`, `--reset`) is decided in `series-positions.ts`.
 *
 * Guarantees: a graceful stop (`close()`) saves the last message published, so a restart resumes
 * at exactly the next one. After a crash, the file holds a position at most N messages behind
 * the last published when the publisher awaits each save; never a position ahead of what was
 * published, so a crash never loses a message.
 */
import { basename } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { RecordPosition } from '../storage/reader.js';
import type { SeriesId } from '../storage/series.js';
import { offsetFilePath, removeStaleTempFiles, writeOffsetFile, type OffsetRecord } from './offset-file.js';

export type { OffsetRecord } from './offset-file.js';

/** The message just published: its place in the recordings and its capture time. */
export interface PublishedMessage extends RecordPosition {
  /** Capture time (`ts`) of the record. */
  readonly timestamp: number;
}

export interface OffsetTrackerOptions {
  readonly stateDir: string;
  readonly series: SeriesId;
  /** Save after this many messages since the last save (N, at least 1). */
  readonly everyMessages: number;
  /** Save this often while messages arrive (T, ms, at least 1). */
  readonly everyMs: number;
  readonly logger: Logger;
  /** The offset loaded at start, so `messagesPublished` goes on counting across restarts. */
  readonly resumed?: OffsetRecord;
  /** Replaces the file write, for tests of failing writes. Default {@link writeOffsetFile}. */
  readonly write?: (path: string, record: OffsetRecord) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Keeps the offset of one series. At most one write is in flight; a save due meanwhile runs
 * right after it, with the newest position. A failed write is logged and retried at the next
 * trigger (N messages, the timer, `flush`): never thrown to the publisher.
 */
export class OffsetTracker {
  readonly path: string;
  private readonly options: OffsetTrackerOptions;
  private readonly write: (path: string, record: OffsetRecord) => Promise<void>;
  private readonly now: () => number;
  private latest: PublishedMessage | undefined;
  private total: number;
  private sinceSave = 0;
  /** The newest position not on disk yet. */
  private dirty = false;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private cleaned = false;
  private savedRecord: OffsetRecord | undefined;
  private failures = 0;

  constructor(options: OffsetTrackerOptions) {
    for (const key of ['everyMessages', 'everyMs'] as const) {
      if (!Number.isSafeInteger(options[key]) || options[key] < 1) {
        throw new RangeError(`offsets: ${key} must be a whole number from 1, got ${options[key]}`);
      }
    }
    this.options = options;
    this.path = offsetFilePath(options.stateDir, options.series);
    this.write = options.write ?? writeOffsetFile;
    this.now = options.now ?? Date.now;
    this.total = options.resumed?.messagesPublished ?? 0;
    this.savedRecord = options.resumed;
    this.timer = setInterval(() => void this.save(), options.everyMs);
    this.timer.unref();
  }

  /** The last record written successfully (or the one resumed from). */
  get saved(): OffsetRecord | undefined {
    return this.savedRecord;
  }

  /** Failed writes so far. */
  get writeFailures(): number {
    return this.failures;
  }

  /**
   * Records that `message` was published. Returns a promise when this message made a save due
   * (every N): awaiting it before publishing more bounds a crash to N duplicates. It never rejects.
   */
  published(message: PublishedMessage): Promise<void> | undefined {
    if (this.closed) throw new Error(`offsets: ${this.path} is closed; published() after close() is a bug`);
    this.latest = message;
    this.total++;
    this.dirty = true;
    if (++this.sinceSave < this.options.everyMessages) return undefined;
    return this.save();
  }

  /**
   * Records that the series' message number `position` (counted from the series' first message,
   * those a start mode skipped included) was published — the position a restart resumes after.
   * No save is triggered here: the caller flushes every N messages (see SeriesPositions).
   */
  publishedAt(message: PublishedMessage, position: number): void {
    if (this.closed) throw new Error(`offsets: ${this.path} is closed; publishedAt() after close() is a bug`);
    this.latest = message;
    if (position > this.total) this.sinceSave += position - this.total;
    this.total = position;
    this.dirty = true;
  }

  /** Saves the newest position now (after a write in flight); resolves true when it is on disk. */
  async flush(): Promise<boolean> {
    await this.save();
    if (this.dirty) await this.save();
    return !this.dirty;
  }

  /** Stops the timer and saves the newest position. Resolves true when it is on disk. */
  async close(): Promise<boolean> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    return this.flush();
  }

  private save(): Promise<void> {
    if (this.inFlight !== undefined) {
      this.again = true;
      return this.inFlight;
    }
    if (!this.dirty || this.latest === undefined) return Promise.resolve();
    this.inFlight = this.writeLoop().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async writeLoop(): Promise<void> {
    do {
      this.again = false;
      const message = this.latest;
      if (!this.dirty || message === undefined) return;
      const record: OffsetRecord = {
        platform: this.options.series.platform,
        endpoint: this.options.series.endpoint,
        symbol: this.options.series.symbol,
        currentFile: basename(message.file),
        lineNumber: message.lineNumber,
        lastTimestamp: message.timestamp,
        messagesPublished: this.total,
        lastUpdated: new Date(this.now()).toISOString(),
      };
      this.dirty = false;
      const counted = this.sinceSave;
      this.sinceSave = 0;
      try {
        if (!this.cleaned) {
          await removeStaleTempFiles(this.path);
          this.cleaned = true;
        }
        await this.write(this.path, record);
        this.savedRecord = record;
      } catch (error) {
        this.failures++;
        // Still to be saved: the next trigger retries with the newest position.
        if (this.latest === message) this.dirty = true;
        this.sinceSave += counted;
        this.options.logger.error(
          { err: error, path: this.path, failures: this.failures },
          `offsets: saving ${this.path} failed (${(error as Error).message}); retrying at the next save`,
        );
        return;
      }
    } while (this.again && this.dirty);
  }
}

/** `--start-from`: the first recorded message, the end of the recordings, or a capture time. */
export type StartFrom = 'beginning' | 'latest' | number;
