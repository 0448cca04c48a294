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

/** Items kept per symbol and kind (a replayed session of a liquid stock fits several times over). */
export const KEPT_ITEMS = 200_000;

export interface KeptItem<T> {
  readonly seq: number;
  /** The item's `t`, ms. */
  readonly ms: number;
  value: T;
}

/** A bounded, time-ordered history of one kind: the newest `cap` items (up to a quarter more between trims). */
export class History<T extends { t: string }> {
  readonly items: KeptItem<T>[] = [];
  private nextSeq = 1;

  constructor(private readonly cap: number = KEPT_ITEMS) {}

  push(value: T): KeptItem<T> {
    const item = { seq: this.nextSeq++, ms: rfc3339Millis(value.t), value };
    this.items.push(item);
    // Trimmed in chunks of a quarter of the cap, so a push costs O(1) amortized.
    if (this.items.length > this.cap + (this.cap >> 2)) this.items.splice(0, this.items.length - this.cap);
    return item;
  }

  get last(): KeptItem<T> | undefined {
    return this.items[this.items.length - 1];
  }

  /** Index of the first item with `seq` ≥ `seq` (items.length when none). */
  indexOfSeq(seq: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class AlpacaMarket {
  readonly trades = new History<AlpacaRestTrade>();
  readonly quotes = new History<AlpacaRestQuote>();
  readonly bars = new History<AlpacaRestBar>();
  /** The daily bar so far and the New York midnight it belongs to. */
  daily: { readonly dayStart: number; bar: AlpacaRestBar } | undefined = undefined;
  prevDaily: AlpacaRestBar | undefined = undefined;
  /** Newest trade time per minute start (to tell a late trade's effect on the close). */
  private newestTradeOfMinute = new Map<number, number>();

  constructor(readonly symbol: string) {}

  get latestTrade(): AlpacaRestTrade | undefined {
    return this.trades.last?.value;
  }

  get latestQuote(): AlpacaRestQuote | undefined {
    return this.quotes.last?.value;
  }

  get minuteBar(): AlpacaRestBar | undefined {
    return this.bars.last?.value;
  }

  /** Record a trade; returns whether it is the newest trade of its minute so far. */
  addTrade(trade: AlpacaRestTrade): { readonly ms: number; readonly newestOfMinute: boolean } {
    const { ms } = this.trades.push(trade);
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

  /** Record a minute bar; returns the daily bar so far, with it merged in. */
  addBar(bar: AlpacaRestBar): AlpacaRestBar {
    const { ms } = this.bars.push(bar);
    const dayStart = newYorkMidnight(ms);
    if (this.daily !== undefined && this.daily.dayStart !== dayStart) {
      this.prevDaily = this.daily.bar;
      this.daily = undefined;
    }
    const merged = mergeDaily(this.daily?.bar, bar, millisText(dayStart));
    this.daily = { dayStart, bar: merged };
    return merged;
  }

  /** The kept minute bar starting at `minuteStart`, if any. */
  barAt(minuteStart: number): KeptItem<AlpacaRestBar> | undefined {
    const items = this.bars.items;
    for (let i = items.length - 1; i >= 0 && items[i].ms >= minuteStart; i--) {
      if (items[i].ms === minuteStart) return items[i];
    }
    return undefined;
  }
}
