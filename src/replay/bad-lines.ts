/**
 * The bad lines of a venue's recordings: each logged once with its file and line and what to do,
 * and counted once however many `--loop` passes read it again. A replay source hands `onBadLine`
 * to the storage reader (lines that are not recordings) and calls `body` for a recorded body it
 * cannot use (an error answer, a missing field).
 */
import type { Logger } from '../core/logger.js';
import type { BadLineInfo } from '../storage/reader.js';

export class BadLineLog {
  private readonly seen = new Set<string>();

  constructor(
    /** For the message: `okx`. */
    private readonly venue: string,
    private readonly logger: Logger,
  ) {}

  /** Distinct bad lines seen so far. */
  get count(): number {
    return this.seen.size;
  }

  /** Note the line at `file:lineNumber` as unusable because of `why` (logged the first time only). */
  body(file: string, lineNumber: number, why: string): void {
    const key = `${file}:${lineNumber}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.logger.warn(
      { file, line: lineNumber, err: why },
      `${this.venue}: skipping ${key}: ${why} (re-record it or remove the line)`,
    );
  }

  /** For `readRecords(files, { onBadLine })`: a line that is not a recording at all. */
  readonly onBadLine = (info: BadLineInfo): void => {
    this.body(info.file, info.lineNumber, `not a recording line: ${String(info.error)}`);
  };
}
