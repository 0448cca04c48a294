/**
 * One pacer shared by every book of a feed: each snapshot fetch or resubscription takes a token
 * from one bucket, so N symbols resyncing at once are spaced instead of hitting the endpoint
 * together (Binance weighs a depth snapshot at 50 of an IP's 6000 per minute). Over any window
 * of W seconds at most `burst + perSecond * W` tasks start. Waiting tasks run first in, first
 * out, from one timer. A venue's "too many requests" with a Retry-After holds every task until
 * then ({@link ResyncPacer.holdUntil}): its limit counts the client's requests, whatever the
 * symbol, so another book's snapshot would be refused (or worse, on Binance an IP ban) as well.
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
  /** No task starts before this (ms, on `now`). */
  private heldUntil = 0;
  private readonly now: () => number;

  constructor(rate: RateLimitOptions, now: () => number = Date.now) {
    this.bucket = new TokenBucket(rate, now);
    this.now = now;
  }

  /** Start no task before `at` (ms, on the pacer's clock); an earlier hold than the current one changes nothing. */
  holdUntil(at: number): void {
    if (this.closed || !(at > this.heldUntil)) return;
    this.heldUntil = at;
    // A timer already waiting for a token finds the hold when it fires and waits on.
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
        const held = this.heldUntil - this.now();
        if (held > 0 || !this.bucket.tryTake()) {
          this.timer = setTimeout(
            () => {
              this.timer = undefined;
              this.drain();
            },
            held > 0 ? held : this.bucket.waitMs(),
          );
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
