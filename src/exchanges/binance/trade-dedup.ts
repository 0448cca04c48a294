import type { BinanceAggTradeEvent, BinanceRestTrade, BinanceTradeEvent } from './wire.js';

/** The id that orders and de-duplicates `historicalTrades` polls (see `replay/trade-dedup`). */
export function binanceTradeId(t: BinanceRestTrade): number {
  return t.id;
}

/**
 * A REST trade as the `<symbol>@trade` event Binance would have pushed: T is the trade time and
 * E the time it goes out (the trade time unless given; never below it).
 */
export function restTradeToEvent(
  t: BinanceRestTrade,
  symbol: string,
  eventTime: number = t.time,
): BinanceTradeEvent {
  return {
    e: 'trade',
    E: eventTime < t.time ? t.time : eventTime,
    s: symbol,
    t: t.id,
    p: t.price,
    q: t.qty,
    T: t.time,
    m: t.isBuyerMaker,
    M: t.isBestMatch,
  };
}

/**
 * A trade event as an `<symbol>@aggTrade` event. REST trades do not say which trades Binance
 * aggregated, so each trade is its own aggregate: `a = f = l = t`.
 */
export function tradeEventToAggTrade(ev: BinanceTradeEvent): BinanceAggTradeEvent {
  return {
    e: 'aggTrade',
    E: ev.E,
    s: ev.s,
    a: ev.t,
    p: ev.p,
    q: ev.q,
    f: ev.t,
    l: ev.t,
    T: ev.T,
    m: ev.m,
    M: ev.M,
  };
}
