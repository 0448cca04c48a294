/**
 * One pacer shared by every book of a feed: each snapshot fetch or resubscription takes a token
 * from one bucket, so N symbols resyncing at once are spaced instead of hitting the endpoint
 * together (Binance weighs a depth snapshot at 50 of an IP's 6000 per minute). Over any window
 * of W seconds at most `burst + perSecond * W` tasks start. Waiting tasks run first in, first
 * out, from one timer.
 */
import { TokenBucket, type RateLimitOptions } from '../ingest/rate-limiter.js';

/** Cancels a scheduled task that has not run yet; a no-op afterwards. */
export type CancelTask = () => void;

interface Entry {
  task: (() => void) | undefined;
}

export class ResyncPacer {
  private readonly bucket: TokenBucket;
  private queue: Entry[] = [];
  private head = 0;
  private waitingCount = 0;
  private timer: NodeJS.Timeout | undefined = undefined;
  private draining = false;
  private closed = false;

  constructor(rate: RateLimitOptions, now: () => number = Date.now) {
    this.bucket = new TokenBucket(rate, now);
  }

  /** Tasks scheduled and not yet run or cancelled. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Run `task` as soon as a token is free and every task scheduled before it has run. */
  schedule(task: () => void): CancelTask {
    if (this.closed) return noop;
    const entry: Entry = { task };
    this.queue.push(entry);
    this.waitingCount++;
    this.drain();
    return () => {
      if (entry.task === undefined) return;
      entry.task = undefined;
      this.waitingCount--;
    };
  }

  /** Drop every waiting task and the timer. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (let i = this.head; i < this.queue.length; i++) this.queue[i].task = undefined;
    this.queue = [];
    this.head = 0;
    this.waitingCount = 0;
  }

  private drain(): void {
    // A task that schedules another runs inside this loop; the loop picks the new one up.
    if (this.timer !== undefined || this.draining) return;
    this.draining = true;
    try {
      while (this.head < this.queue.length) {
        const entry = this.queue[this.head];
        const task = entry.task;
        if (task === undefined) {
          this.head++;
          continue;
        }
        if (!this.bucket.tryTake()) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.drain();
          }, this.bucket.waitMs());
          return;
        }
        this.head++;
        entry.task = undefined;
        this.waitingCount--;
        task();
        if (this.closed) return;
      }
      this.queue = [];
      this.head = 0;
    } finally {
      this.draining = false;
    }
  }
}

function noop(): void {}
