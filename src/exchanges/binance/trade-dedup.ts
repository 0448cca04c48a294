import type { BinanceAggTradeEvent, BinanceRestTrade, BinanceTradeEvent } from './wire.js';

/** What a {@link TradeDeduper} has seen so far. */
export interface TradeDedupStats {
  /** Trades dropped because their id was already emitted (poll overlap, stale polls, repeats). */
  duplicates: number;
  /** Places where the next emitted id skipped past `lastId + 1` (trades lost between polls). */
  gaps: number;
  /** Total number of trade ids skipped over by those gaps. */
  missingIds: number;
}

function byId(a: BinanceRestTrade, b: BinanceRestTrade): number {
  return a.id - b.id;
}

function isSortedById(poll: readonly BinanceRestTrade[]): boolean {
  for (let i = 1; i < poll.length; i++) if (poll[i].id < poll[i - 1].id) return false;
  return true;
}

/**
 * Turns consecutive, overlapping `GET /api/v3/historicalTrades` polls into one stream in which
 * every trade appears exactly once, in trade-id order.
 *
 * Each poll is sorted by id first (a copy, only when it is out of order). A trade is emitted
 * when its id is above the last emitted id; anything else is a duplicate. A poll that arrives
 * late with older content therefore yields `[]`. When the first new id jumps past
 * `lastId + 1`, the trades in between were never captured: that is counted as a gap (and the
 * number of ids it skipped as `missingIds`); the same holds for a hole inside one poll.
 */
export class TradeDeduper {
  readonly stats: TradeDedupStats = { duplicates: 0, gaps: 0, missingIds: 0 };
  private last = -1;
  private started = false;

  /** The id of the last emitted trade, undefined before the first. */
  get lastId(): number | undefined {
    return this.started ? this.last : undefined;
  }

  /** The trades of `poll` not emitted before, in id order. */
  push(poll: readonly BinanceRestTrade[]): BinanceRestTrade[] {
    const sorted = isSortedById(poll) ? poll : poll.slice().sort(byId);
    const out: BinanceRestTrade[] = [];
    const stats = this.stats;
    for (let i = 0; i < sorted.length; i++) {
      const trade = sorted[i];
      if (this.started && trade.id <= this.last) {
        stats.duplicates++;
        continue;
      }
      if (this.started && trade.id > this.last + 1) {
        stats.gaps++;
        stats.missingIds += trade.id - this.last - 1;
      }
      this.last = trade.id;
      this.started = true;
      out.push(trade);
    }
    return out;
  }

  /** Forget the last id (a new run, e.g. `--loop` with shifted ids); the stats are kept. */
  reset(): void {
    this.last = -1;
    this.started = false;
  }
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
