import { OrderBook } from '../../book/order-book.js';
import {
  ZERO_DECIMAL as ZERO,
  divRound,
  formatFixed,
  formatProductUnits,
  formatUnits,
  significantDecimals,
  toUnits,
} from '../../core/decimal.js';
import { BookSyncError } from '../../core/errors.js';
import { DeferredBook } from '../../replay/deferred-book.js';
import type { BookTop } from '../../replay/events.js';
import type { TradeUnits } from '../../replay/trade-aggregate.js';
import { MINUTE_MS, MinuteTradeWindow, type WindowStats } from '../../replay/trade-window.js';
import type { TradeFacts } from './raw-ids.js';
import { KlineSeries } from './kline-builder.js';
import type {
  BinanceAvgPriceEvent,
  BinanceBookTickerEvent,
  BinanceDepthUpdateEvent,
  BinanceLevel,
  BinanceMiniTickerEvent,
  BinanceRestDepth,
  BinanceRollingTickerEvent,
  BinanceTicker24hEvent,
} from './wire.js';

const DAY_MS = 86_400_000;
const AVG_PRICE_MS = 5 * MINUTE_MS;

/** Window sizes of `<symbol>@ticker_<size>`. */
export type RollingWindow = '1h' | '4h' | '1d';
const ROLLING_MS: Readonly<Record<RollingWindow, number>> = {
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': DAY_MS,
};
const ROLLING_EVENT: Readonly<Record<RollingWindow, BinanceRollingTickerEvent['e']>> = {
  '1h': '1hTicker',
  '4h': '4hTicker',
  '1d': '1dTicker',
};

/**
 * The replay hub's state for one Binance symbol: the L2 book (exact wire strings, kept with
 * the shared sorted {@link OrderBook}), the rolling trade statistics ({@link MinuteTradeWindow})
 * and the klines ({@link KlineSeries}), from which it answers REST depth / ticker requests and
 * derives bookTicker, 24hrTicker, 24hrMiniTicker, the rolling-window tickers, avgPrice and klines.
 *
 * Memory is bounded for arbitrarily long replays: trades are folded into per-minute buckets, at
 * most 1441 of them, so the windows have one-minute granularity. The 24 h window for event time
 * E is every whole minute from the one holding E − 24 h + 1 ms through the one holding E; the
 * `@ticker_<size>` window opens on the minute holding E − size (Binance's rule: up to 59 999 ms
 * wider) and `@avgPrice` uses the same rule over 5 minutes. Trades timed after E's minute are
 * left out. Trades must arrive in trade-id order; one timed before the newest bucket joins that
 * bucket, and one whose id is not above the last applied id is ignored (counted in
 * `ignoredTrades`).
 *
 * Computed values are exact decimal arithmetic, formatted like Binance: prices, quantities,
 * volumes and `w` with 8 decimals, `P` with 3 (rounded half away from zero). Book strings
 * (depth, bookTicker, b/B/a/A) are passed through exactly as received.
 */
export class BinanceMarketState {
  readonly symbol: string;
  private readonly book = new OrderBook<BinanceLevel>();
  /** The book as bytes off the link, applied to `book` when read (see deferred-book.ts). */
  private readonly deferred = new DeferredBook({
    load: (snapshot) => this.loadBook(snapshot as BinanceRestDepth),
    apply: (update) => this.applyDiff(update as BinanceDepthUpdateEvent),
  });
  /** The top of book the last deferred book message came with; undefined: read it from the book. */
  private knownTop: BookTop | undefined = undefined;
  private updateId = 0;
  private synced = false;
  private priceDecimals = 0;
  private qtyDecimals = 0;

  private readonly trades = new MinuteTradeWindow();
  /** Every kline stream of the symbol, fed by {@link applyTrade}. */
  readonly klines: KlineSeries;
  /** The trade being applied, parsed once (reused). */
  private readonly unit: TradeUnits = { time: 0, id: 0, price: 0n, qty: 0n, quote: 0n, takerBuy: false };
  private lastTradeId = -1;
  private lastTradeTime = 0;
  private traded = false;
  private ignored = 0;

  constructor(symbol: string) {
    this.symbol = symbol;
    this.klines = new KlineSeries(symbol);
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
    return this.trades.bucketCount;
  }

  /** Replace the book with a REST depth body. Zero-quantity levels are ignored. */
  applySnapshot(snapshot: BinanceRestDepth): void {
    this.deferred.clear();
    this.knownTop = undefined;
    this.loadBook(snapshot);
    this.updateId = snapshot.lastUpdateId;
    this.synced = true;
  }

  /**
   * {@link applySnapshot} deferred: the body's bytes, its `lastUpdateId` and its top of book
   * (undefined when not known: reads then build the book).
   */
  deferSnapshot(raw: Buffer, lastUpdateId: number, top: BookTop | undefined): void {
    this.deferred.snapshot(raw);
    this.knownTop = top;
    this.updateId = lastUpdateId;
    this.synced = true;
  }

  /**
   * Apply a diff event. It must continue the book exactly (`U === lastUpdateId + 1`), else
   * {@link BookSyncError} is thrown and nothing changes. Quantity zero deletes the level.
   */
  applyUpdate(update: BinanceDepthUpdateEvent): void {
    this.checkContinues(update.U);
    this.current();
    this.knownTop = undefined;
    this.applyDiff(update);
    this.updateId = update.u;
  }

  /**
   * {@link applyUpdate} deferred: the event's bytes, its `U` and `u`, the whole book after it when
   * the update carries one, and its top of book. Continuity is checked now, as for a parsed event.
   */
  deferUpdate(
    raw: Buffer,
    ids: { first: number; last: number },
    wholeAfter: Buffer | undefined,
    top: BookTop | undefined,
  ): void {
    this.checkContinues(ids.first);
    this.deferred.diff(raw, wholeAfter);
    this.knownTop = top;
    this.updateId = ids.last;
  }

  /** Book messages parsed since the start: whole books loaded and diffs applied from deferred bytes. */
  deferredCounts(): { loads: number; applied: number } {
    return { loads: this.deferred.loads, applied: this.deferred.applied };
  }

  /** Feed a trade into the last price/qty, the rolling windows and the klines. */
  applyTrade(trade: TradeFacts): void {
    if (this.traded && trade.t <= this.lastTradeId) {
      this.ignored++;
      return;
    }
    const u = this.unit;
    u.price = toUnits(trade.p);
    u.qty = toUnits(trade.q);
    u.quote = u.price * u.qty;
    u.time = trade.T;
    u.id = trade.t;
    u.takerBuy = !trade.m;
    this.notePrice(trade.p);
    this.noteQty(trade.q);
    this.lastTradeId = trade.t;
    this.lastTradeTime = trade.T;
    this.traded = true;
    this.trades.add(u);
    this.klines.addTrade(u);
  }

  /** REST `/api/v3/depth` body (and `@depthN` partial book) for the best `limit` levels per side. */
  depth(limit: number): BinanceRestDepth {
    this.current();
    const n = limit > 0 ? Math.floor(limit) : 0;
    return {
      lastUpdateId: this.updateId,
      bids: this.topLevels(true, n),
      asks: this.topLevels(false, n),
    };
  }

  /** True when the best bid is at or above the best ask (the recording says so; replayed as is). */
  isCrossed(): boolean {
    const top = this.top();
    return top !== undefined && +top[0] >= +top[2];
  }

  /** Best bid and ask with `u = lastUpdateId`; undefined unless both sides have a level. */
  bookTicker(): BinanceBookTickerEvent | undefined {
    const top = this.top();
    if (top === undefined) return undefined;
    return { u: this.updateId, s: this.symbol, b: top[0], B: top[1], a: top[2], A: top[3] };
  }

  /** The `<symbol>@ticker` event at `eventTime`; undefined before any trade at or before it. */
  ticker24h(eventTime: number): BinanceTicker24hEvent | undefined {
    const w = this.window24h(eventTime);
    if (w === undefined) return undefined;
    const top = this.top();
    return {
      e: '24hrTicker',
      E: eventTime,
      s: this.symbol,
      p: formatUnits(w.close - w.open),
      P: percentChange(w),
      w: weightedAverage(w),
      x: formatUnits(w.prevClose),
      c: formatUnits(w.close),
      Q: formatUnits(w.closeQty),
      b: top === undefined ? ZERO : top[0],
      B: top === undefined ? ZERO : top[1],
      a: top === undefined ? ZERO : top[2],
      A: top === undefined ? ZERO : top[3],
      o: formatUnits(w.open),
      h: formatUnits(w.high),
      l: formatUnits(w.low),
      v: formatUnits(w.volume),
      q: formatProductUnits(w.quoteVolume),
      O: eventTime - DAY_MS,
      C: eventTime,
      F: w.firstId,
      L: w.lastId,
      n: w.count,
    };
  }

  /** The `<symbol>@miniTicker` event at `eventTime` (same window as {@link ticker24h}). */
  miniTicker(eventTime: number): BinanceMiniTickerEvent | undefined {
    const w = this.window24h(eventTime);
    if (w === undefined) return undefined;
    return {
      e: '24hrMiniTicker',
      E: eventTime,
      s: this.symbol,
      c: formatUnits(w.close),
      o: formatUnits(w.open),
      h: formatUnits(w.high),
      l: formatUnits(w.low),
      v: formatUnits(w.volume),
      q: formatProductUnits(w.quoteVolume),
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

  /** The `<symbol>@ticker_<size>` event at `eventTime`; undefined before any trade at or before it. */
  rollingTicker(size: RollingWindow, eventTime: number): BinanceRollingTickerEvent | undefined {
    const open = Math.floor((eventTime - ROLLING_MS[size]) / MINUTE_MS);
    const w = this.trades.stats(open, Math.floor(eventTime / MINUTE_MS));
    if (w === undefined) return undefined;
    return {
      e: ROLLING_EVENT[size],
      E: eventTime,
      s: this.symbol,
      p: formatUnits(w.close - w.open),
      P: percentChange(w),
      o: formatUnits(w.open),
      h: formatUnits(w.high),
      l: formatUnits(w.low),
      c: formatUnits(w.close),
      w: weightedAverage(w),
      v: formatUnits(w.volume),
      q: formatProductUnits(w.quoteVolume),
      O: open * MINUTE_MS,
      C: eventTime,
      F: w.firstId,
      L: w.lastId,
      n: w.count,
    };
  }

  /**
   * The `<symbol>@avgPrice` event at `eventTime`: the volume-weighted price of the last 5
   * minutes (the last price when they hold no trade); undefined before any trade.
   */
  avgPrice(eventTime: number): BinanceAvgPriceEvent | undefined {
    const open = Math.floor((eventTime - AVG_PRICE_MS) / MINUTE_MS);
    const w = this.trades.stats(open, Math.floor(eventTime / MINUTE_MS));
    if (w === undefined) return undefined;
    return {
      e: 'avgPrice',
      E: eventTime,
      s: this.symbol,
      i: '5m',
      w: w.volume === 0n ? formatUnits(w.close) : weightedAverage(w),
      T: this.lastTradeTime,
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

  private checkContinues(first: number): void {
    if (!this.synced) throw new BookSyncError(`${this.symbol}: depthUpdate U=${first} before any snapshot`);
    if (first !== this.updateId + 1)
      throw new BookSyncError(
        `${this.symbol}: depthUpdate U=${first} does not follow lastUpdateId=${this.updateId} (expected ${this.updateId + 1})`,
      );
  }

  /** The book with every deferred message applied. */
  private current(): void {
    this.deferred.current();
  }

  /** Best bid and ask (price, quantity each), from the last message when it told them; undefined unless both sides have a level. */
  private top(): BookTop | undefined {
    if (this.knownTop !== undefined) return this.knownTop;
    this.current();
    const bid = this.book.bids.best();
    const ask = this.book.asks.best();
    if (bid === undefined || ask === undefined) return undefined;
    return [bid[1][0], bid[1][1], ask[1][0], ask[1][1]];
  }

  private loadBook(snapshot: BinanceRestDepth): void {
    this.book.clear();
    this.loadSide(snapshot.bids, true);
    this.loadSide(snapshot.asks, false);
  }

  private applyDiff(update: BinanceDepthUpdateEvent): void {
    this.applyLevels(update.b, true);
    this.applyLevels(update.a, false);
  }

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

  /** The 24 h window ending at `eventTime` (see the class comment). */
  private window24h(eventTime: number): WindowStats | undefined {
    return this.trades.stats(
      Math.floor((eventTime - DAY_MS + 1) / MINUTE_MS),
      Math.floor(eventTime / MINUTE_MS),
    );
  }
}

/** `P`: (close − open) / open × 100 with 3 decimals. */
function percentChange(w: WindowStats): string {
  if (w.open === 0n) return '0.000';
  return formatFixed(divRound((w.close - w.open) * 100_000n, w.open), 3);
}

/** `w`: quote volume / base volume with 8 decimals. */
function weightedAverage(w: WindowStats): string {
  if (w.volume === 0n) return ZERO;
  return formatUnits(divRound(w.quoteVolume, w.volume));
}
