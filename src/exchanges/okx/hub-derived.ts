/**
 * The figures OKX derives from trades and the book, as v5 text: the `tickers` item (24 h open /
 * high / low and volumes from the rolling window, last trade, best bid and ask, start-of-day
 * prices) and the one-minute candle. Exact decimals (src/core/decimal.ts), printed as OKX prints
 * numbers: no trailing zeros (`"30236"`, `"0.0002"`) [capture]; quote volumes keep at most 8
 * decimals, rounded half away from zero [unconfirmed: OKX's own rounding].
 */
import { formatProductUnits, formatUnits } from '../../core/decimal.js';
import type { TradeAggregate } from '../../replay/trade-aggregate.js';
import type { OkxBookState } from './book-state.js';
import type { OkxTradeState } from './hub-trades.js';
import type { OkxCandle, OkxTicker } from './wire.js';

/** `"30236.00000000"` → `"30236"`, `"0.00020000"` → `"0.0002"`. */
export function trimmed(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  return text.slice(0, end);
}

function units(v: bigint): string {
  return trimmed(formatUnits(v));
}

function quote(v: bigint): string {
  return trimmed(formatProductUnits(v));
}

/** The `tickers` item at replay time `at`; undefined before the first trade. */
export function okxTicker(
  instId: string,
  trades: OkxTradeState,
  book: OkxBookState,
  at: number,
): OkxTicker | undefined {
  const last = trades.last;
  const w = trades.window24h(at);
  const sod = trades.dayOpens();
  if (last === undefined || w === undefined || sod === undefined) return undefined;
  const ask = book.bestAsk();
  const bid = book.bestBid();
  return {
    instType: 'SPOT',
    instId,
    last: last.px,
    lastSz: last.sz,
    askPx: ask?.[0] ?? '',
    askSz: ask?.[1] ?? '',
    bidPx: bid?.[0] ?? '',
    bidSz: bid?.[1] ?? '',
    open24h: units(w.open),
    high24h: units(w.high),
    low24h: units(w.low),
    volCcy24h: quote(w.quoteVolume),
    vol24h: units(w.volume),
    sodUtc0: sod.utc0,
    sodUtc8: sod.utc8,
    ts: String(at),
  };
}

/** A one-minute candle: `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]` (spot: both quote) [doc]. */
export function okxCandle(c: TradeAggregate, confirm: '0' | '1'): OkxCandle {
  const volCcy = quote(c.quoteVolume);
  return [
    String(c.start),
    units(c.open),
    units(c.high),
    units(c.low),
    units(c.close),
    units(c.volume),
    volCcy,
    volCcy,
    confirm,
  ];
}
