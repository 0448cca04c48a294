/**
 * Replay offsets (../shared/DESIGN.md "Offsets"): an {@link OffsetTracker} that a publisher tells
 * of every message it publishes and that saves the position through `offset-file.ts`, and
 * {@link resolveStart}, which turns `--start-from beginning | latest | <unix ms>`, `--reset` and
 * a saved offset into the point the series reader starts from.
 *
 * Guarantees: a graceful stop (`close()`) saves the last message published, so a restart resumes
 * at exactly the next line. After a crash, the file holds a position at most N messages behind
 * the last published when the publisher awaits the promise `published()` returns at each save
 * point; without awaiting, also the messages published while that one write was in flight. Never
 * a position ahead of what was published, so a crash never loses a message.
 */
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { listRecordingFiles, streamDirectory } from '../storage/layout.js';
import type { ReadItem, RecordPosition } from '../storage/reader.js';
import { readSeries, type ReadSeriesOptions, type SeriesId } from '../storage/series.js';
import {
  loadOffsetFile,
  offsetFilePath,
  removeStaleTempFiles,
  writeOffsetFile,
  type OffsetRecord,
} from './offset-file.js';

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

/** `--start-from`: the first recorded line, the end of the recordings, or a capture time. */
export type StartFrom = 'beginning' | 'latest' | number;

/** Parses `--start-from`; the error names the value and what is accepted. */
export function parseStartFrom(text: string): StartFrom {
  if (text === 'beginning' || text === 'latest') return text;
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new RangeError(
    `--start-from ${JSON.stringify(text)}: expected "beginning", "latest" or a time in unix milliseconds`,
  );
}

/**
 * Where to start reading a series.
 * - `beginning`: its first line.
 * - `position`: exactly this line (for a saved offset, the one after the last published; for
 *   `latest`, one past the last line of the newest recording, so only lines appended after
 *   start are read: "latest" is the end of the recordings as they are at start-up).
 * - `time`: the first record whose `ts` is at or after `atMs` (earlier ones are skipped).
 */
export type StartPoint =
  | { readonly kind: 'beginning'; readonly because: string }
  | { readonly kind: 'position'; readonly from: RecordPosition; readonly because: string }
  | { readonly kind: 'time'; readonly atMs: number; readonly because: string };

export interface ResolveStartOptions {
  /** Storage root of the recordings. */
  readonly dataDir: string;
  readonly stateDir: string;
  readonly series: SeriesId;
  readonly startFrom: StartFrom;
  /** Ignore a saved offset (`--reset`). */
  readonly reset: boolean;
  /**
   * Applies when the saved offset is corrupt or no longer lies in the recordings (its file gone,
   * or shorter than its line). Default `startFrom`.
   */
  readonly fallback?: StartFrom;
  readonly logger: Logger;
}

export interface ResolvedStart {
  readonly start: StartPoint;
  /** The saved offset used, for `OffsetTrackerOptions.resumed`. */
  readonly resumed?: OffsetRecord;
}

/** Counts the lines of `file`, a last line without its newline included (as the reader counts). */
async function countLines(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    let lines = 0;
    let last = 0x0a;
    for await (const chunk of handle.createReadStream({
      highWaterMark: 256 * 1024,
    }) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
      if (chunk.length > 0) last = chunk[chunk.length - 1];
    }
    return last === 0x0a ? lines : lines + 1;
  } finally {
    await handle.close();
  }
}

async function modeStart(
  dataDir: string,
  series: SeriesId,
  mode: StartFrom,
  because: string,
): Promise<StartPoint> {
  if (typeof mode === 'number') return { kind: 'time', atMs: mode, because };
  if (mode === 'beginning') return { kind: 'beginning', because };
  const files = await listRecordingFiles(dataDir, series.platform, series.endpoint, series.symbol);
  const last = files[files.length - 1];
  // Nothing recorded yet: every line to come is new, so start at the first one.
  if (last === undefined) return { kind: 'beginning', because: `${because}; nothing recorded yet` };
  return { kind: 'position', from: { file: last, lineNumber: (await countLines(last)) + 1 }, because };
}

/** Resolves where `series` starts (see {@link StartPoint}); logs a corrupt or stale offset with its path. */
export async function resolveStart(options: ResolveStartOptions): Promise<ResolvedStart> {
  const { dataDir, series, startFrom, logger } = options;
  const fallback = options.fallback ?? startFrom;
  if (options.reset)
    return { start: await modeStart(dataDir, series, startFrom, `--reset, --start-from ${startFrom}`) };
  const loaded = await loadOffsetFile(options.stateDir, series);
  if (loaded.kind === 'missing') {
    return {
      start: await modeStart(dataDir, series, startFrom, `no saved offset, --start-from ${startFrom}`),
    };
  }
  if (loaded.kind === 'corrupt') {
    logger.warn(
      { path: loaded.path, problem: loaded.problem, fallback },
      `offsets: ignoring ${loaded.path}: ${loaded.problem}; starting from ${fallback} (delete the file or run with --reset to silence this)`,
    );
    return { start: await modeStart(dataDir, series, fallback, `corrupt offset, fallback ${fallback}`) };
  }
  const record = loaded.record;
  const file = join(
    streamDirectory(dataDir, series.platform, series.endpoint, series.symbol),
    record.currentFile,
  );
  const files = await listRecordingFiles(dataDir, series.platform, series.endpoint, series.symbol);
  const stale = !files.includes(file)
    ? 'which is not among the recordings any more'
    : record.lineNumber > (await countLines(file))
      ? `which has fewer than ${record.lineNumber} lines now (rewritten or truncated)`
      : undefined;
  if (stale !== undefined) {
    logger.warn(
      { path: loaded.path, file, fallback },
      `offsets: ${loaded.path} points into ${file}, ${stale}; starting from ${fallback}`,
    );
    return { start: await modeStart(dataDir, series, fallback, `stale offset, fallback ${fallback}`) };
  }
  const from = { file, lineNumber: record.lineNumber + 1 };
  return { start: { kind: 'position', from, because: `saved offset ${loaded.path}` }, resumed: record };
}

/** The records of `series` from `start` on (see {@link StartPoint}). */
export async function* readSeriesFrom<T = unknown>(
  dataDir: string,
  series: SeriesId,
  start: StartPoint,
  options: Omit<ReadSeriesOptions, 'from'> = {},
): AsyncGenerator<ReadItem<T>, void, undefined> {
  const from = start.kind === 'position' ? start.from : undefined;
  const items = readSeries<T>(dataDir, series, { ...options, from });
  if (start.kind !== 'time') {
    yield* items;
    return;
  }
  let reached = false;
  for await (const item of items) {
    if (!reached && item.record.ts < start.atMs) continue;
    reached = true;
    yield item;
  }
}
