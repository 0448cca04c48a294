/**
 * A feed's staleness watch: every data message goes through `observe`, one interval (while the
 * link is up) checks `StalenessTracker`'s pairs, and each change of a symbol becomes a status:
 * `stale` when the symbol goes silent past its threshold, the link's state with `… live again` at
 * its next message. When the whole link has been silent as long as a symbol that just went stale,
 * every channel is silent: the watch asks for the connection to be recycled.
 *
 * The symbol, not each channel, is what goes stale: a quiet market stops trading for seconds while
 * its book keeps moving, and a lull of trades is no fault of the feed. Each channel is still
 * tracked on its own and its silences logged at debug level, for finding a dead subscription.
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
    const at = msg.localTimestamp;
    const channel = this.tracker.observe(msg.symbol, channelOf(msg.type), at);
    if (channel !== undefined) this.announce(channel, at);
    const symbol = this.tracker.observe(msg.symbol, ANY_CHANNEL, at);
    if (symbol !== undefined) this.announce(symbol, at);
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

  /** Symbols silent on every channel past their threshold. */
  staleSymbols(): string[] {
    return this.tracker.staleSymbols(ANY_CHANNEL);
  }

  /** `<symbol> <channel>` pairs silent past their own threshold. */
  quietChannels(): string[] {
    return this.tracker
      .stalePairs()
      .filter((p) => p.channel !== ANY_CHANNEL)
      .map((p) => `${p.symbol} ${p.channel}`);
  }

  private check(): void {
    const now = this.o.now();
    const changes = this.tracker.check(now);
    if (changes.length === 0) return;
    for (const change of changes) this.announce(change, now);
    const symbols = changes.filter((c) => c.channel === ANY_CHANNEL);
    if (symbols.length === 0) return;
    const linkSilent = now - (this.o.lastFrameAt() ?? 0);
    if (linkSilent >= Math.min(...symbols.map((c) => c.thresholdMs))) {
      const stale = symbols.map((c) => c.symbol).join(', ');
      this.o.logger.warn({ silentMs: linkSilent }, 'connection silent on every channel; recycling');
      this.o.recycle(`every channel silent for ${linkSilent}ms (stale: ${stale}); recycling the connection`);
    }
  }

  private announce(change: StaleChange, at: number): void {
    if (change.channel !== ANY_CHANNEL) {
      const { symbol, channel, silentMs } = change;
      this.o.logger.debug(
        { symbol, channel, silentMs, thresholdMs: Math.round(change.thresholdMs) },
        change.stale ? `${channel} of ${symbol} quiet` : `${channel} of ${symbol} speaking again`,
      );
      return;
    }
    if (change.stale) {
      const reason = `every channel of ${change.symbol} silent for ${change.silentMs}ms (usual gap ${Math.round(change.usualGapMs)}ms, stale after ${Math.round(change.thresholdMs)}ms)`;
      this.o.logger.warn({ symbol: change.symbol }, reason);
      this.o.status(change.symbol, 'stale', reason, at);
    } else {
      const reason = `${change.symbol} live again after ${change.silentMs}ms of silence`;
      this.o.status(change.symbol, this.o.linkState(), reason, at);
    }
  }
}

/** The pseudo-channel every message of a symbol counts on: the symbol's own rhythm. */
const ANY_CHANNEL = '*';

/** The staleness channel of a message type: a book's changes, snapshots and quotes are one channel. */
function channelOf(type: NormalizedMessage['type']): string {
  return type === 'book_change' || type === 'book_snapshot' || type === 'quote' ? 'book' : type;
}
