/**
 * One replayed stock's state in the Alpaca hub: the trades, quotes and minute bars so far (kept
 * for REST paging, bounded), the latest trade and quote, the daily bar so far and the previous
 * day's. Every item carries a sequence number that never repeats, which is what REST page tokens
 * point at. Everything here happened at or before the replay time: events arrive in time order.
 */
import { rfc3339Millis } from './encoder.js';
import { mergeDaily, millisText } from './hub-bars.js';
import { newYorkMidnight } from './market-hours.js';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from './wire.js';

/**
 * Items kept per symbol and kind: five full pages of Alpaca's largest (10,000). Kept as JSON text,
 * a full history of trades is about 7 MB; a replay at `--speed max` fills it in minutes, and
 * from then on memory stays flat.
 */
export const KEPT_ITEMS = 50_000;

/**
 * A bounded, time-ordered history of one kind: the newest `cap` items (up to a quarter more
 * between trims). Held as two flat arrays, not an object per item: a history at its cap is most
 * of what a long stock replay keeps. Item `k` has sequence number `firstSeq + k` (sequence
 * numbers never repeat, which is what REST page tokens point at).
 */
export class History<T> {
  private values: T[] = [];
  /** Each item's `t`, ms (a double array: no boxed number per item). */
  private times: number[] = [];
  private firstSeq = 1;

  constructor(private readonly cap: number = KEPT_ITEMS) {}

  get length(): number {
    return this.values.length;
  }

  /** Adds the newest item (`ms`: its `t`); returns its index. */
  push(value: T, ms: number): number {
    this.values.push(value);
    this.times.push(ms);
    // Trimmed in chunks of a quarter of the cap, so a push costs O(1) amortized.
    if (this.values.length > this.cap + (this.cap >> 2)) {
      const drop = this.values.length - this.cap;
      this.values.splice(0, drop);
      this.times.splice(0, drop);
      this.firstSeq += drop;
    }
    return this.values.length - 1;
  }

  valueAt(index: number): T {
    return this.values[index];
  }

  setValue(index: number, value: T): void {
    this.values[index] = value;
  }

  msAt(index: number): number {
    return this.times[index];
  }

  seqAt(index: number): number {
    return this.firstSeq + index;
  }

  get last(): T | undefined {
    return this.values[this.values.length - 1];
  }

  /** Index of the first item with a sequence number ≥ `seq` (length when none). */
  indexOfSeq(seq: number): number {
    return Math.min(Math.max(seq - this.firstSeq, 0), this.values.length);
  }
}

export class AlpacaMarket {
  /** Each trade as its REST item's JSON text (what a page answers, as recorded). */
  readonly trades = new History<string>();
  /** Each quote as its REST item's JSON text. */
  readonly quotes = new History<string>();
  readonly bars = new History<AlpacaRestBar>();
  latestTrade: AlpacaRestTrade | undefined = undefined;
  latestQuote: AlpacaRestQuote | undefined = undefined;
  /** The daily bar so far and the New York midnight it belongs to. */
  daily: { readonly dayStart: number; bar: AlpacaRestBar } | undefined = undefined;
  prevDaily: AlpacaRestBar | undefined = undefined;
  /** Newest trade time per minute start (to tell a late trade's effect on the close). */
  private newestTradeOfMinute = new Map<number, number>();

  constructor(readonly symbol: string) {}

  get minuteBar(): AlpacaRestBar | undefined {
    return this.bars.last;
  }

  /**
   * Record a trade (`text`: its REST item's JSON); returns its time and whether it is the newest
   * trade of its minute so far.
   */
  addTrade(trade: AlpacaRestTrade, text: string): { readonly ms: number; readonly newestOfMinute: boolean } {
    const ms = rfc3339Millis(trade.t);
    this.trades.push(text, ms);
    this.latestTrade = trade;
    const minute = Math.floor(ms / 60_000) * 60_000;
    const newest = this.newestTradeOfMinute.get(minute);
    const newestOfMinute = newest === undefined || ms >= newest;
    if (newestOfMinute) this.newestTradeOfMinute.set(minute, ms);
    if (this.newestTradeOfMinute.size > 2 * 24 * 60) {
      const oldest = this.newestTradeOfMinute.keys().next().value as number;
      this.newestTradeOfMinute.delete(oldest);
    }
    return { ms, newestOfMinute };
  }

  /** Record a quote (`text`: its REST item's JSON). */
  addQuote(quote: AlpacaRestQuote, text: string): void {
    this.quotes.push(text, rfc3339Millis(quote.t));
    this.latestQuote = quote;
  }

  /** Record a minute bar; returns the daily bar so far, with it merged in. */
  addBar(bar: AlpacaRestBar): AlpacaRestBar {
    const ms = rfc3339Millis(bar.t);
    this.bars.push(bar, ms);
    const dayStart = newYorkMidnight(ms);
    if (this.daily !== undefined && this.daily.dayStart !== dayStart) {
      this.prevDaily = this.daily.bar;
      this.daily = undefined;
    }
    const merged = mergeDaily(this.daily?.bar, bar, millisText(dayStart));
    this.daily = { dayStart, bar: merged };
    return merged;
  }

  /** Index in `bars` of the kept minute bar starting at `minuteStart`, or -1. */
  barIndexAt(minuteStart: number): number {
    const bars = this.bars;
    for (let i = bars.length - 1; i >= 0 && bars.msAt(i) >= minuteStart; i--) {
      if (bars.msAt(i) === minuteStart) return i;
    }
    return -1;
  }
}
