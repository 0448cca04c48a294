/**
 * Combining several venues' views of one symbol: the aggregated ticker under a conflict
 * resolution mode, and the consolidated best bid and offer across venues. Pure functions.
 */
import type { Exchange, Quote, Ticker } from '../core/types.js';

export const CONFLICT_RESOLUTIONS = ['primary', 'latest', 'average'] as const;
/**
 * `primary`: the active source's values only. `latest`: whichever healthy source reported most
 * recently (by exchange time; an older report never replaces a newer one). `average`: the mean of
 * the healthy sources' latest values.
 */
export type ConflictResolution = (typeof CONFLICT_RESOLUTIONS)[number];

/**
 * The aggregated ticker once `incoming` arrived, or undefined when it must not be published.
 * `latestBySource` holds each healthy source's latest ticker (`incoming` included), `active`
 * the symbol's active source, `lastPublished` the previous aggregated ticker.
 */
export function resolveTicker(
  mode: ConflictResolution,
  incoming: Ticker,
  active: Exchange,
  latestBySource: readonly Ticker[],
  lastPublished: Ticker | undefined,
): Ticker | undefined {
  switch (mode) {
    case 'primary':
      return incoming.exchange === active ? incoming : undefined;
    case 'latest':
      return lastPublished !== undefined && incoming.timestamp < lastPublished.timestamp
        ? undefined
        : incoming;
    case 'average':
      return averageTicker(latestBySource, active) ?? incoming;
  }
}

/** Mean of each price field over the tickers; sizes and volume are means too; exchange = `active`. */
export function averageTicker(tickers: readonly Ticker[], active: Exchange): Ticker | undefined {
  if (tickers.length === 0) return undefined;
  const mean = (pick: (t: Ticker) => number): number => {
    let sum = 0;
    for (const t of tickers) sum += pick(t);
    return sum / tickers.length;
  };
  let timestamp = 0;
  let localTimestamp = 0;
  for (const t of tickers) {
    if (t.timestamp > timestamp) timestamp = t.timestamp;
    if (t.localTimestamp > localTimestamp) localTimestamp = t.localTimestamp;
  }
  return {
    type: 'ticker',
    exchange: active,
    symbol: tickers[0].symbol,
    timestamp,
    localTimestamp,
    last: mean((t) => t.last),
    bid: mean((t) => t.bid),
    ask: mean((t) => t.ask),
    bidSize: mean((t) => t.bidSize),
    askSize: mean((t) => t.askSize),
    volume24h: mean((t) => t.volume24h),
    change24hPct: mean((t) => t.change24hPct),
    sources: tickers.map((t) => t.exchange),
  };
}

/**
 * Best bid and best offer across the venues' latest quotes, each side tagged with its venue
 * (`bidExchange`, `askExchange`). A tie keeps the venue listed first. The `exchange` of the result
 * is the symbol's active source, as on every aggregated stream. Undefined when no venue has a
 * two-sided quote. Venues' books may lock or cross one another (bid on one ≥ ask on another): the
 * result says so as it is.
 */
export function consolidatedQuote(quotes: readonly Quote[], active: Exchange): Quote | undefined {
  let bid: Quote | undefined;
  let ask: Quote | undefined;
  for (const q of quotes) {
    if (q.bid > 0 && (bid === undefined || q.bid > bid.bid)) bid = q;
    if (q.ask > 0 && (ask === undefined || q.ask < ask.ask)) ask = q;
  }
  if (bid === undefined || ask === undefined) return undefined;
  return {
    type: 'quote',
    exchange: active,
    symbol: bid.symbol,
    timestamp: Math.max(bid.timestamp, ask.timestamp),
    localTimestamp: Math.max(bid.localTimestamp, ask.localTimestamp),
    bid: bid.bid,
    bidSize: bid.bidSize,
    ask: ask.ask,
    askSize: ask.askSize,
    mid: (bid.bid + ask.ask) / 2,
    bidExchange: bid.exchange,
    askExchange: ask.exchange,
  };
}
