/**
 * Rolling trade statistics with one-minute granularity and bounded memory: trades are folded
 * into per-minute aggregates, of which at most `maxMinutes` (default 1441, a day plus one) are
 * kept, however long the replay. A window is a run of whole minutes, so a window ending at
 * event time E may reach up to 59 999 ms further back than its nominal size — the slack Binance
 * documents for its own rolling windows.
 */
import {
  addTrade,
  emptyAggregate,
  mergeAggregate,
  type TradeAggregate,
  type TradeUnits,
} from './trade-aggregate.js';

export const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;
/** Windows kept for asking again: Binance's rolling tickers ask for a few sizes in turn. */
const RECENT_WINDOWS = 4;

/** A window's figures before formatting: its trades, and `prevClose`, the last price before it. */
export interface WindowStats extends TradeAggregate {
  prevClose: bigint;
}

/**
 * Trades must be added in trade-id order; one timed before the newest minute joins that minute
 * (so a late trade is never lost).
 */
export class MinuteTradeWindow {
  private readonly maxMinutes: number;
  /** Oldest first, one per minute that had a trade. */
  private readonly buckets: TradeAggregate[] = [];
  /** The newest bucket that fell out: the "before the window" fallback for `prevClose`. */
  private evicted: TradeAggregate | undefined = undefined;
  /**
   * Windows asked for lately that end with the newest bucket: a trade joining that bucket is
   * folded into them as well, so asking again (a ticker per trade) costs no pass over a day of
   * buckets. Any other change to the buckets (a new minute, an eviction) drops them.
   */
  private readonly recent: Array<{ first: number; last: number; stats: WindowStats }> = [];

  constructor(maxMinutes = DAY_MINUTES + 1) {
    this.maxMinutes = maxMinutes;
  }

  /** Minute buckets held (≤ `maxMinutes`). */
  get bucketCount(): number {
    return this.buckets.length;
  }

  add(t: TradeUnits): void {
    const buckets = this.buckets;
    const newest = buckets.length === 0 ? undefined : buckets[buckets.length - 1];
    const minute = Math.floor(t.time / MINUTE_MS) * MINUTE_MS;
    if (newest !== undefined && minute <= newest.start) {
      addTrade(newest, t);
      for (let i = 0; i < this.recent.length; i++) addTrade(this.recent[i].stats, t);
      return;
    }
    this.recent.length = 0;
    const oldest = minute - (this.maxMinutes - 1) * MINUTE_MS;
    let drop = 0;
    while (drop < buckets.length && buckets[drop].start < oldest) drop++;
    if (drop > 0) this.evicted = buckets.splice(0, drop)[drop - 1];
    const bucket = emptyAggregate(minute);
    addTrade(bucket, t);
    buckets.push(bucket);
  }

  /**
   * Statistics of the minutes `firstMinute` through `lastMinute` (minute indexes, inclusive).
   * With no trade in them but earlier ones, an empty window at the last earlier price (as
   * Binance reports it); undefined before any trade.
   */
  stats(firstMinute: number, lastMinute: number): WindowStats | undefined {
    for (let i = 0; i < this.recent.length; i++) {
      const r = this.recent[i];
      if (r.first === firstMinute && r.last === lastMinute) return { ...r.stats };
    }
    const first = firstMinute * MINUTE_MS;
    const last = lastMinute * MINUTE_MS;
    const buckets = this.buckets;
    let before = this.evicted;
    let w: WindowStats | undefined;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      if (b.start > last) break;
      if (b.start < first) {
        before = b;
        continue;
      }
      w ??= { ...emptyAggregate(first), prevClose: before === undefined ? b.open : before.close };
      mergeAggregate(w, b);
    }
    if (w !== undefined) {
      const newest = buckets[buckets.length - 1];
      if (newest.start <= last) {
        if (this.recent.length === RECENT_WINDOWS) this.recent.shift();
        this.recent.push({ first: firstMinute, last: lastMinute, stats: { ...w } });
      }
      return w;
    }
    if (before === undefined) return undefined;
    const price = before.close;
    return {
      ...emptyAggregate(first),
      open: price,
      high: price,
      low: price,
      close: price,
      closeQty: before.closeQty,
      prevClose: price,
    };
  }
}
