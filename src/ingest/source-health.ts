/**
 * Health of one source: one exchange's feed of one canonical symbol, as the aggregator sees it
 * from the messages that pass through it and from its feed's counters.
 */
import type { Exchange, FeedState, NormalizedMessage } from '../core/types.js';

/** Why a source is not fit to serve a symbol. */
export type UnhealthyReason = 'disconnected' | 'latency' | 'no_data' | 'errors';

export interface HealthLimits {
  /** Delay above the source's own best recent delay that makes it unhealthy, ms. */
  readonly maxSourceLatencyMs: number;
  /** No data message for this long: unhealthy, ms. */
  readonly noDataTimeoutMs: number;
  /** This many errors within `errorBurstWindowMs`: unhealthy. */
  readonly errorBurstCount: number;
  readonly errorBurstWindowMs: number;
}

/** One source's health as the health and sources endpoints report it. */
export interface SourceHealthView {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly connected: boolean;
  readonly state: FeedState | 'never_connected';
  readonly healthy: boolean;
  readonly reason: UnhealthyReason | undefined;
  /** Receipt delay above the source's best delay of the last minutes, ms (clock offsets cancel out). */
  readonly latencyMs: number | undefined;
  /** Local receipt time of the last data message, ms. */
  readonly lastUpdate: number | undefined;
  readonly messages: number;
  /** Errors counted so far (decode errors, gaps, checksum failures, crossed books, refusals, resyncs). */
  readonly errors: number;
  /** Errors within the burst window. */
  readonly recentErrors: number;
}

/**
 * A delay floor is kept over two rotating windows of this length, so a lasting shift of the
 * exchange's clock (a replay loop, a seek) is forgotten within two windows.
 */
const BASELINE_WINDOW_MS = 60_000;
/** Error timestamps kept per source; a burst needs no more than its count. */
const MAX_ERROR_MARKS = 1024;

export class SourceHealth {
  readonly exchange: Exchange;
  readonly symbol: string;
  private state: FeedState | 'never_connected' = 'never_connected';
  private lastData: number | undefined;
  private messageCount = 0;
  private errorCount = 0;
  private errorMarks: number[] = [];
  /** One delay floor per message type: venues stamp trades, tickers and book changes differently. */
  private readonly floors = new Map<DelayType, DelayFloor>();
  private excessMs: number | undefined;
  private verdict: UnhealthyReason | undefined = 'disconnected';
  /** Since when the source has been continuously healthy (undefined while it is not). */
  healthySince: number | undefined;

  constructor(exchange: Exchange, symbol: string) {
    this.exchange = exchange;
    this.symbol = symbol;
  }

  get everConnected(): boolean {
    return this.state !== 'never_connected';
  }

  observe(msg: NormalizedMessage): void {
    if (msg.type === 'status') {
      if (msg.state === 'resyncing') this.addErrors(1, msg.localTimestamp);
      else if (msg.state !== 'stale') this.state = msg.state;
      return;
    }
    if (this.state === 'never_connected') this.state = 'connected';
    this.messageCount++;
    if (this.lastData === undefined || msg.localTimestamp > this.lastData) this.lastData = msg.localTimestamp;
    // A bar is stamped with its interval's start, a book snapshot with its last change: their age is not delay.
    if (msg.type === 'trade' || msg.type === 'ticker' || msg.type === 'book_change' || msg.type === 'quote') {
      this.observeDelay(msg.type, msg.localTimestamp - msg.timestamp, msg.localTimestamp);
    }
  }

  /** Errors the feed counted since the last look (shared by every symbol of the feed). */
  addErrors(count: number, at: number): void {
    if (count <= 0) return;
    this.errorCount += count;
    for (let i = 0; i < count && i < MAX_ERROR_MARKS; i++) this.errorMarks.push(at);
    if (this.errorMarks.length > MAX_ERROR_MARKS) this.errorMarks = this.errorMarks.slice(-MAX_ERROR_MARKS);
  }

  /** Judge the source now; remembers the verdict and since when it has been healthy. */
  assess(now: number, limits: HealthLimits): UnhealthyReason | undefined {
    this.verdict = this.judge(now, limits);
    if (this.verdict === undefined) this.healthySince ??= now;
    else this.healthySince = undefined;
    return this.verdict;
  }

  /** The last verdict (from `assess`). */
  get reason(): UnhealthyReason | undefined {
    return this.verdict;
  }

  view(now: number, limits: HealthLimits): SourceHealthView {
    return {
      exchange: this.exchange,
      symbol: this.symbol,
      connected: this.state === 'connected',
      state: this.state,
      healthy: this.verdict === undefined,
      reason: this.verdict,
      latencyMs: this.excessMs === undefined ? undefined : Math.round(this.excessMs),
      lastUpdate: this.lastData,
      messages: this.messageCount,
      errors: this.errorCount,
      recentErrors: this.recentErrors(now, limits.errorBurstWindowMs),
    };
  }

  private judge(now: number, limits: HealthLimits): UnhealthyReason | undefined {
    if (this.state !== 'connected') return 'disconnected';
    if (this.lastData === undefined || now - this.lastData > limits.noDataTimeoutMs) return 'no_data';
    if (this.excessMs !== undefined && this.excessMs > limits.maxSourceLatencyMs) return 'latency';
    if (this.recentErrors(now, limits.errorBurstWindowMs) >= limits.errorBurstCount) return 'errors';
    return undefined;
  }

  private recentErrors(now: number, windowMs: number): number {
    const from = now - windowMs;
    let first = 0;
    while (first < this.errorMarks.length && this.errorMarks[first] < from) first++;
    if (first > 0) this.errorMarks = this.errorMarks.slice(first);
    return this.errorMarks.length;
  }

  /** Delay = receipt − exchange time; its excess over the type's recent floor is the latency judged. */
  private observeDelay(type: DelayType, delay: number, at: number): void {
    if (!Number.isFinite(delay)) return;
    let floor = this.floors.get(type);
    if (floor === undefined) {
      floor = new DelayFloor(at);
      this.floors.set(type, floor);
    }
    const excess = delay - floor.add(delay, at);
    this.excessMs = this.excessMs === undefined ? excess : this.excessMs + 0.2 * (excess - this.excessMs);
  }
}

type DelayType = 'trade' | 'ticker' | 'book_change' | 'quote';

/**
 * The smallest delay seen over two rotating windows: a clock offset (a replay's historical time,
 * an exchange clock off by seconds) is in the floor, so only delay beyond it counts. A replay
 * faster than real time lowers the floor steadily, so it never reads as latency either.
 */
class DelayFloor {
  private current = Infinity;
  private previous = Infinity;
  private since: number;

  constructor(at: number) {
    this.since = at;
  }

  /** Take in one delay; returns the floor. */
  add(delay: number, at: number): number {
    if (at - this.since >= BASELINE_WINDOW_MS) {
      this.previous = this.current;
      this.current = Infinity;
      this.since = at;
    }
    if (delay < this.current) this.current = delay;
    return Math.min(this.current, this.previous);
  }
}
