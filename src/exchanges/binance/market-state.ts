import { OrderBook } from '../../book/order-book.js';
import { BookSyncError, DecodeError } from '../../core/errors.js';
import type {
  BinanceBookTickerEvent,
  BinanceDepthUpdateEvent,
  BinanceLevel,
  BinanceMiniTickerEvent,
  BinanceRestDepth,
  BinanceTicker24hEvent,
  BinanceTradeEvent,
} from './wire.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Minutes a 24 h window can touch: the one holding its first millisecond through the one holding its last. */
const MAX_BUCKETS = DAY_MS / MINUTE_MS + 1;

// ---- fixed-point decimals: prices and quantities as bigint units of 1e-8 (Binance's 8 decimals)

const DECIMALS = 8;
const UNIT = 100_000_000n;
const PAD = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000'];

/** `"0.35280000"` → 35280000n. Digits past the eighth decimal are dropped (Binance never sends them). */
function toUnits(s: string): bigint {
  const dot = s.indexOf('.');
  try {
    if (dot < 0) return BigInt(s) * UNIT;
    const frac = s.length - dot - 1;
    const digits =
      frac >= DECIMALS
        ? s.slice(0, dot) + s.slice(dot + 1, dot + 1 + DECIMALS)
        : s.slice(0, dot) + s.slice(dot + 1) + PAD[DECIMALS - frac];
    return BigInt(digits);
  } catch (cause) {
    throw new DecodeError(`not a decimal string: ${JSON.stringify(s)}`, { cause });
  }
}

/** A scaled integer as a decimal string with exactly `decimals` digits after the point. */
function formatUnits(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(decimals + 1, '0');
  const cut = digits.length - decimals;
  return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
}

/** `n / d` rounded half away from zero (`d > 0`). */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = r < 0n ? -2n * r : 2n * r;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** Decimals that carry information: `"0.35210000"` → 4, `"672.00000000"` → 0. */
function significantDecimals(s: string): number {
  const dot = s.indexOf('.');
  if (dot < 0) return 0;
  let end = s.length;
  while (end > dot + 1 && s.charCodeAt(end - 1) === 48) end--;
  return end - dot - 1;
}

// ---- the rolling window

/** Trades of one minute of trade time, aggregated. Prices/quantities in 1e-8 units. */
interface MinuteBucket {
  minute: number;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  closeQty: bigint;
  volume: bigint;
  /** Σ price × qty in 1e-16 units (exact). */
  quoteVolume: bigint;
  firstId: number;
  lastId: number;
  count: number;
}

/** The window's figures before formatting. */
interface WindowStats {
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  closeQty: bigint;
  prevClose: bigint;
  volume: bigint;
  quoteVolume: bigint;
  firstId: number;
  lastId: number;
  count: number;
}

const ZERO = '0.00000000';

/**
 * The replay hub's state for one Binance symbol: the L2 book (exact wire strings, kept with
 * the shared sorted {@link OrderBook}) and the rolling 24 h trade statistics, from which it
 * answers REST depth / ticker requests and derives bookTicker, 24hrTicker and 24hrMiniTicker.
 *
 * Memory is bounded for arbitrarily long replays: trades are folded into per-minute buckets
 * (open/high/low/close, base and quote volume, first/last id, count), at most 1441 of them.
 * The 24 h statistics therefore have one-minute granularity: the window for event time E is
 * every whole minute from the one holding E − 24 h + 1 ms through the one holding E, so it may
 * reach up to 59 999 ms further back than (E − 24 h, E]; trades timed after E's minute are left
 * out. (Binance documents the same "no more than 59999 ms" slack for its rolling windows.)
 * Trades must arrive in trade-id order; one timed before the newest bucket joins that bucket,
 * and one whose id is not above the last applied id is ignored (counted in `ignoredTrades`).
 *
 * Computed values are exact decimal arithmetic, formatted like Binance: prices, quantities,
 * volumes and `w` with 8 decimals, `P` with 3 (rounded half away from zero). Book strings
 * (depth, bookTicker, b/B/a/A) are passed through exactly as received.
 */
export class BinanceMarketState {
  readonly symbol: string;
  private readonly book = new OrderBook<BinanceLevel>();
  private updateId = 0;
  private synced = false;
  private priceDecimals = 0;
  private qtyDecimals = 0;

  private readonly buckets: MinuteBucket[] = [];
  /** The newest bucket that fell out of the deque: the "before the window" fallback for `x`. */
  private evicted: MinuteBucket | undefined = undefined;
  private lastTradeId = -1;
  private traded = false;
  private ignored = 0;

  constructor(symbol: string) {
    this.symbol = symbol;
  }

  /** The book's update id: the snapshot's lastUpdateId, then each applied event's `u`; 0 before. */
  get lastUpdateId(): number {
    return this.updateId;
  }

  hasBook(): boolean {
    return this.synced;
  }

  /** Trades dropped by {@link applyTrade} because their id was not above the last one. */
  get ignoredTrades(): number {
    return this.ignored;
  }

  /** Minute buckets held (≤ 1441). */
  get bucketCount(): number {
    return this.buckets.length;
  }

  /** Replace the book with a REST depth body. Zero-quantity levels are ignored. */
  applySnapshot(snapshot: BinanceRestDepth): void {
    this.book.clear();
    this.loadSide(snapshot.bids, true);
    this.loadSide(snapshot.asks, false);
    this.updateId = snapshot.lastUpdateId;
    this.synced = true;
  }

  /**
   * Apply a diff event. It must continue the book exactly (`U === lastUpdateId + 1`), else
   * {@link BookSyncError} is thrown and nothing changes. Quantity zero deletes the level.
   */
  applyUpdate(update: BinanceDepthUpdateEvent): void {
    if (!this.synced) {
      throw new BookSyncError(`${this.symbol}: depthUpdate U=${update.U} before any snapshot`);
    }
    if (update.U !== this.updateId + 1) {
      throw new BookSyncError(
        `${this.symbol}: depthUpdate U=${update.U} does not follow lastUpdateId=${this.updateId} (expected ${this.updateId + 1})`,
      );
    }
    this.applyLevels(update.b, true);
    this.applyLevels(update.a, false);
    this.updateId = update.u;
  }

  /** Feed a trade into the last price/qty and the rolling 24 h window. */
  applyTrade(trade: BinanceTradeEvent): void {
    if (this.traded && trade.t <= this.lastTradeId) {
      this.ignored++;
      return;
    }
    const price = toUnits(trade.p);
    const qty = toUnits(trade.q);
    this.notePrice(trade.p);
    this.noteQty(trade.q);
    this.lastTradeId = trade.t;
    this.traded = true;

    const buckets = this.buckets;
    const newest = buckets.length === 0 ? undefined : buckets[buckets.length - 1];
    const minute = Math.floor(trade.T / MINUTE_MS);
    if (newest !== undefined && minute <= newest.minute) {
      if (price > newest.high) newest.high = price;
      if (price < newest.low) newest.low = price;
      newest.close = price;
      newest.closeQty = qty;
      newest.volume += qty;
      newest.quoteVolume += price * qty;
      newest.lastId = trade.t;
      newest.count++;
      return;
    }
    const oldest = minute - MAX_BUCKETS + 1;
    let drop = 0;
    while (drop < buckets.length && buckets[drop].minute < oldest) drop++;
    if (drop > 0) this.evicted = buckets.splice(0, drop)[drop - 1];
    buckets.push({
      minute,
      open: price,
      high: price,
      low: price,
      close: price,
      closeQty: qty,
      volume: qty,
      quoteVolume: price * qty,
      firstId: trade.t,
      lastId: trade.t,
      count: 1,
    });
  }

  /** REST `/api/v3/depth` body (and `@depthN` partial book) for the best `limit` levels per side. */
  depth(limit: number): BinanceRestDepth {
    const n = limit > 0 ? Math.floor(limit) : 0;
    return {
      lastUpdateId: this.updateId,
      bids: this.topLevels(true, n),
      asks: this.topLevels(false, n),
    };
  }

  /** True when the best bid is at or above the best ask (the recording says so; replayed as is). */
  isCrossed(): boolean {
    return this.book.isCrossed();
  }

  /** Best bid and ask with `u = lastUpdateId`; undefined unless both sides have a level. */
  bookTicker(): BinanceBookTickerEvent | undefined {
    const bid = this.book.bids.best();
    const ask = this.book.asks.best();
    if (bid === undefined || ask === undefined) return undefined;
    return { u: this.updateId, s: this.symbol, b: bid[1][0], B: bid[1][1], a: ask[1][0], A: ask[1][1] };
  }

  /** The `<symbol>@ticker` event at `eventTime`; undefined before any trade at or before it. */
  ticker24h(eventTime: number): BinanceTicker24hEvent | undefined {
    const w = this.window(eventTime);
    if (w === undefined) return undefined;
    const bid = this.book.bids.best();
    const ask = this.book.asks.best();
    return {
      e: '24hrTicker',
      E: eventTime,
      s: this.symbol,
      p: formatUnits(w.close - w.open, DECIMALS),
      P: percentChange(w),
      w: weightedAverage(w),
      x: formatUnits(w.prevClose, DECIMALS),
      c: formatUnits(w.close, DECIMALS),
      Q: formatUnits(w.closeQty, DECIMALS),
      b: bid === undefined ? ZERO : bid[1][0],
      B: bid === undefined ? ZERO : bid[1][1],
      a: ask === undefined ? ZERO : ask[1][0],
      A: ask === undefined ? ZERO : ask[1][1],
      o: formatUnits(w.open, DECIMALS),
      h: formatUnits(w.high, DECIMALS),
      l: formatUnits(w.low, DECIMALS),
      v: formatUnits(w.volume, DECIMALS),
      q: formatUnits(divRound(w.quoteVolume, UNIT), DECIMALS),
      O: eventTime - DAY_MS,
      C: eventTime,
      F: w.firstId,
      L: w.lastId,
      n: w.count,
    };
  }

  /** The `<symbol>@miniTicker` event at `eventTime` (same window as {@link ticker24h}). */
  miniTicker(eventTime: number): BinanceMiniTickerEvent | undefined {
    const w = this.window(eventTime);
    if (w === undefined) return undefined;
    return {
      e: '24hrMiniTicker',
      E: eventTime,
      s: this.symbol,
      c: formatUnits(w.close, DECIMALS),
      o: formatUnits(w.open, DECIMALS),
      h: formatUnits(w.high, DECIMALS),
      l: formatUnits(w.low, DECIMALS),
      v: formatUnits(w.volume, DECIMALS),
      q: formatUnits(divRound(w.quoteVolume, UNIT), DECIMALS),
    };
  }

  /** `GET /api/v3/ticker/24hr?symbol=…` (type FULL) body, fields in Binance's order. */
  restTicker24h(eventTime: number): Record<string, string | number> | undefined {
    const t = this.ticker24h(eventTime);
    if (t === undefined) return undefined;
    return {
      symbol: t.s,
      priceChange: t.p,
      priceChangePercent: t.P,
      weightedAvgPrice: t.w,
      prevClosePrice: t.x,
      lastPrice: t.c,
      lastQty: t.Q,
      bidPrice: t.b,
      bidQty: t.B,
      askPrice: t.a,
      askQty: t.A,
      openPrice: t.o,
      highPrice: t.h,
      lowPrice: t.l,
      volume: t.v,
      quoteVolume: t.q,
      openTime: t.O,
      closeTime: t.C,
      firstId: t.F,
      lastId: t.L,
      count: t.n,
    };
  }

  /** Most decimals any price in the data needed (trailing zeros ignored): tickSize = 10^-n. */
  pricePrecision(): number {
    return this.priceDecimals;
  }

  /** Most decimals any quantity in the data needed (trailing zeros ignored): stepSize = 10^-n. */
  quantityPrecision(): number {
    return this.qtyDecimals;
  }

  // ---- internals

  private loadSide(levels: readonly BinanceLevel[], bids: boolean): void {
    const side = bids ? this.book.bids : this.book.asks;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      if (+level[1] === 0) continue;
      this.notePrice(level[0]);
      this.noteQty(level[1]);
      side.set(+level[0], level);
    }
  }

  private applyLevels(levels: readonly BinanceLevel[], bids: boolean): void {
    const side = bids ? this.book.bids : this.book.asks;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      const price = +level[0];
      if (+level[1] === 0) {
        side.delete(price);
      } else {
        this.notePrice(level[0]);
        this.noteQty(level[1]);
        side.set(price, level);
      }
    }
  }

  private topLevels(bids: boolean, limit: number): BinanceLevel[] {
    const side = bids ? this.book.bids : this.book.asks;
    const n = Math.min(limit, side.size);
    const out = new Array<BinanceLevel>(n);
    for (let i = 0; i < n; i++) out[i] = side.get(side.priceAt(i) as number) as BinanceLevel;
    return out;
  }

  private notePrice(s: string): void {
    const d = significantDecimals(s);
    if (d > this.priceDecimals) this.priceDecimals = d;
  }

  private noteQty(s: string): void {
    const d = significantDecimals(s);
    if (d > this.qtyDecimals) this.qtyDecimals = d;
  }

  /** Aggregate the buckets of the window ending at `eventTime` (see the class comment). */
  private window(eventTime: number): WindowStats | undefined {
    const first = Math.floor((eventTime - DAY_MS + 1) / MINUTE_MS);
    const last = Math.floor(eventTime / MINUTE_MS);
    const buckets = this.buckets;
    let before = this.evicted;
    let w: WindowStats | undefined;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i];
      if (b.minute > last) break;
      if (b.minute < first) {
        before = b;
        continue;
      }
      if (w === undefined) {
        w = {
          open: b.open,
          high: b.high,
          low: b.low,
          close: b.close,
          closeQty: b.closeQty,
          prevClose: before === undefined ? b.open : before.close,
          volume: b.volume,
          quoteVolume: b.quoteVolume,
          firstId: b.firstId,
          lastId: b.lastId,
          count: b.count,
        };
        continue;
      }
      if (b.high > w.high) w.high = b.high;
      if (b.low < w.low) w.low = b.low;
      w.close = b.close;
      w.closeQty = b.closeQty;
      w.volume += b.volume;
      w.quoteVolume += b.quoteVolume;
      w.lastId = b.lastId;
      w.count += b.count;
    }
    if (w !== undefined) return w;
    if (before === undefined) return undefined;
    // Trades before the window only: Binance reports the last price with an empty window.
    return {
      open: before.close,
      high: before.close,
      low: before.close,
      close: before.close,
      closeQty: before.closeQty,
      prevClose: before.close,
      volume: 0n,
      quoteVolume: 0n,
      firstId: -1,
      lastId: -1,
      count: 0,
    };
  }
}

/** `P`: (close − open) / open × 100 with 3 decimals. */
function percentChange(w: WindowStats): string {
  if (w.open === 0n) return '0.000';
  return formatUnits(divRound((w.close - w.open) * 100_000n, w.open), 3);
}

/** `w`: quote volume / base volume with 8 decimals. */
function weightedAverage(w: WindowStats): string {
  if (w.volume === 0n) return ZERO;
  return formatUnits(divRound(w.quoteVolume, w.volume), DECIMALS);
}
