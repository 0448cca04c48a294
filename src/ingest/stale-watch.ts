/**
 * A feed's staleness watch: every data message goes through `observe`, one interval (while the
 * link is up) checks the (symbol, channel) pairs of `StalenessTracker`, and each change becomes a
 * status: `stale` when a pair goes silent past its threshold, the link's state with `… live again`
 * at its next message. When the whole link has been silent as long as a pair that just went stale,
 * every channel is silent: the watch asks for the connection to be recycled.
 */
import type { Logger } from '../core/logger.js';
import type { FeedState, NormalizedMessage } from '../core/types.js';
import { StalenessTracker, type StaleChange, type StalenessOptions } from './staleness.js';

export interface StaleWatchOptions {
  readonly staleness?: StalenessOptions;
  /** Interval of the checks, ms. Default 500. */
  readonly checkMs?: number;
  readonly now: () => number;
  readonly logger: Logger;
  /** The link's state, for the `live again` status. */
  linkState(): FeedState;
  /** Local time of the link's last frame of any kind. */
  lastFrameAt(): number | undefined;
  /** Put a status for `symbol` into the stream. */
  status(symbol: string, state: 'stale' | FeedState, reason: string, at: number): void;
  /** End the link (it reconnects): every channel is silent. */
  recycle(reason: string): void;
}

export class StaleWatch {
  private readonly tracker: StalenessTracker;
  private readonly checkMs: number;
  private readonly o: StaleWatchOptions;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(options: StaleWatchOptions) {
    this.o = options;
    this.tracker = new StalenessTracker(options.staleness);
    this.checkMs = options.checkMs ?? 500;
    if (!(this.checkMs > 0)) throw new RangeError(`staleCheckMs must be > 0, got ${this.checkMs}`);
  }

  /** A data message (not a status) left the feed. */
  observe(msg: NormalizedMessage): void {
    const change = this.tracker.observe(msg.symbol, channelOf(msg.type), msg.localTimestamp);
    if (change !== undefined) this.announce(change, msg.localTimestamp);
  }

  /** The link is up: check from now on; time it was down is no silence of the channels. */
  start(): void {
    this.tracker.restartClocks(this.o.now());
    this.timer ??= setInterval(() => this.check(), this.checkMs);
  }

  /** The link is down or closed: no checks (the disconnected status already says it). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  forget(symbol: string): void {
    this.tracker.forget(symbol);
  }

  staleSymbols(): string[] {
    return this.tracker.staleSymbols();
  }

  private check(): void {
    const now = this.o.now();
    const changes = this.tracker.check(now);
    if (changes.length === 0) return;
    for (const change of changes) this.announce(change, now);
    const linkSilent = now - (this.o.lastFrameAt() ?? 0);
    if (linkSilent >= Math.min(...changes.map((c) => c.thresholdMs))) {
      const stale = changes.map((c) => `${c.symbol} ${c.channel}`).join(', ');
      this.o.logger.warn({ silentMs: linkSilent }, 'connection silent on every channel; recycling');
      this.o.recycle(`every channel silent for ${linkSilent}ms (stale: ${stale}); recycling the connection`);
    }
  }

  private announce(change: StaleChange, at: number): void {
    const what = `${change.channel} of ${change.symbol}`;
    if (change.stale) {
      const reason = `${what} silent for ${change.silentMs}ms (usual gap ${Math.round(change.usualGapMs)}ms, stale after ${Math.round(change.thresholdMs)}ms)`;
      this.o.logger.warn({ symbol: change.symbol, channel: change.channel }, reason);
      this.o.status(change.symbol, 'stale', reason, at);
    } else {
      const reason = `${what} live again after ${change.silentMs}ms of silence`;
      this.o.status(change.symbol, this.o.linkState(), reason, at);
    }
  }
}

/** The staleness channel of a message type: a book's changes, snapshots and quotes are one channel. */
function channelOf(type: NormalizedMessage['type']): string {
  return type === 'book_change' || type === 'book_snapshot' || type === 'quote' ? 'book' : type;
}
