/**
 * The v2 `ticker` and `ohlc` figures of one pair from its trade aggregates (exact fixed-point
 * units, src/core/decimal.ts) and its book, at the pair's precision: prices and vwap rounded to
 * `pair_decimals` half away from zero, volumes at `lot_decimals`, `change_pct` with 2 decimals.
 */
import { divRound, formatFixed, formatUnits } from '../../core/decimal.js';
import type { TradeAggregate } from '../../replay/trade-aggregate.js';
import type { WindowStats } from '../../replay/trade-window.js';
import type { KrakenBookState } from './book-state.js';
import type { KrakenPrecision } from './checksum.js';
import type { KrakenOhlcInput, KrakenTickerInput } from './encoder.js';
import type { KrakenOhlcInterval } from './wire.js';

const UNIT_DECIMALS = 8;

/** quote (1e-16 units) / volume (1e-8 units) as a price with `decimals` decimals; 0 without volume. */
export function vwapText(a: TradeAggregate, decimals: number): string {
  if (a.volume === 0n) return formatFixed(0n, decimals);
  const scale = 10n ** BigInt(UNIT_DECIMALS - decimals);
  return formatFixed(divRound(a.quoteVolume, a.volume * scale), decimals);
}

/** (close − open) / open in percent, 2 decimals. */
export function changePctText(w: TradeAggregate): string {
  if (w.open === 0n) return '0.00';
  return formatFixed(divRound((w.close - w.open) * 10_000n, w.open), 2);
}

/** The v2 ticker of a 24 h window and the book's best levels (zero for an empty side). */
export function tickerInput(
  symbol: string,
  w: WindowStats,
  book: KrakenBookState,
  timestamp: number,
  p: KrakenPrecision,
): KrakenTickerInput {
  const bid = book.bestBid();
  const ask = book.bestAsk();
  return {
    symbol,
    bid: bid?.[0] ?? 0,
    bidQty: bid?.[1] ?? 0,
    ask: ask?.[0] ?? 0,
    askQty: ask?.[1] ?? 0,
    last: formatUnits(w.close),
    volume: formatUnits(w.volume),
    vwap: vwapText(w, p.priceDecimals),
    low: formatUnits(w.low),
    high: formatUnits(w.high),
    change: formatUnits(w.close - w.open),
    changePct: changePctText(w),
    trades: w.count,
    timestamp,
  };
}

/** One v2 candle. */
export function ohlcInput(
  symbol: string,
  c: TradeAggregate,
  interval: KrakenOhlcInterval,
  p: KrakenPrecision,
): KrakenOhlcInput {
  return {
    symbol,
    open: formatUnits(c.open),
    high: formatUnits(c.high),
    low: formatUnits(c.low),
    close: formatUnits(c.close),
    trades: c.count,
    volume: formatUnits(c.volume),
    vwap: vwapText(c, p.priceDecimals),
    intervalBegin: c.start,
    interval,
  };
}
