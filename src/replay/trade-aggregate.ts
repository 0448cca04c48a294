/**
 * Trades folded into open/high/low/close, volumes and id ranges, in exact fixed-point units
 * (src/core/decimal.ts): the building block of rolling windows and klines.
 */

/** One trade, parsed once and handed to every aggregate it belongs to (callers reuse one object). */
export interface TradeUnits {
  /** Trade time, ms. */
  time: number;
  id: number;
  /** 1e-8 units. */
  price: bigint;
  /** 1e-8 units. */
  qty: bigint;
  /** price × qty, 1e-16 units. */
  quote: bigint;
  /** The buyer was the taker (Binance `m` false). */
  takerBuy: boolean;
}

/** Trades of one span of time. Prices and quantities in 1e-8 units; quote volumes in 1e-16. */
export interface TradeAggregate {
  /** Start of the span, ms. */
  start: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  closeQty: bigint;
  volume: bigint;
  quoteVolume: bigint;
  takerVolume: bigint;
  takerQuoteVolume: bigint;
  /** -1 while empty. */
  firstId: number;
  lastId: number;
  count: number;
}

/** An empty aggregate starting at `start`. */
export function emptyAggregate(start: number): TradeAggregate {
  return {
    start,
    open: 0n,
    high: 0n,
    low: 0n,
    close: 0n,
    closeQty: 0n,
    volume: 0n,
    quoteVolume: 0n,
    takerVolume: 0n,
    takerQuoteVolume: 0n,
    firstId: -1,
    lastId: -1,
    count: 0,
  };
}

/** Make `a` empty again, starting at `start` (reuses the object). */
export function clearAggregate(a: TradeAggregate, start: number): void {
  a.start = start;
  a.open = a.high = a.low = a.close = a.closeQty = 0n;
  a.volume = a.quoteVolume = a.takerVolume = a.takerQuoteVolume = 0n;
  a.firstId = a.lastId = -1;
  a.count = 0;
}

/** Add one trade (the newest so far) to `a`. */
export function addTrade(a: TradeAggregate, t: TradeUnits): void {
  if (a.count === 0) {
    a.open = a.high = a.low = t.price;
    a.firstId = t.id;
  } else {
    if (t.price > a.high) a.high = t.price;
    if (t.price < a.low) a.low = t.price;
  }
  a.close = t.price;
  a.closeQty = t.qty;
  a.volume += t.qty;
  a.quoteVolume += t.quote;
  if (t.takerBuy) {
    a.takerVolume += t.qty;
    a.takerQuoteVolume += t.quote;
  }
  a.lastId = t.id;
  a.count++;
}

/** Fold `later` (trades after all of `into`'s) into `into`. */
export function mergeAggregate(into: TradeAggregate, later: TradeAggregate): void {
  if (later.count === 0) return;
  if (into.count === 0) {
    into.open = later.open;
    into.high = later.high;
    into.low = later.low;
    into.firstId = later.firstId;
  } else {
    if (later.high > into.high) into.high = later.high;
    if (later.low < into.low) into.low = later.low;
  }
  into.close = later.close;
  into.closeQty = later.closeQty;
  into.volume += later.volume;
  into.quoteVolume += later.quoteVolume;
  into.takerVolume += later.takerVolume;
  into.takerQuoteVolume += later.takerQuoteVolume;
  into.lastId = later.lastId;
  into.count += later.count;
}

/** Copy every field of `from` into `to`. */
export function copyAggregate(to: TradeAggregate, from: TradeAggregate): void {
  clearAggregate(to, from.start);
  mergeAggregate(to, from);
}
