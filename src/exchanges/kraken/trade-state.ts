/**
 * One pair's replayed trades as the hub keeps them: the recent tape (the v2 `trade` snapshot and
 * REST `Trades`), the rolling per-minute window (24 h ticker figures) and the candles, all in
 * exact decimals. Trades arrive de-duplicated, in trade-id order; one whose id is not above the
 * last one is ignored (counted).
 */
import { toUnits } from '../../core/decimal.js';
import { TradeTape } from '../../replay/trade-tape.js';
import type { WindowStats } from '../../replay/trade-window.js';
import { KrakenCandles } from './candles.js';
import type { KrakenTradeEvent } from './replay-source.js';

/** Trades kept for REST `Trades` (its largest `count`). */
export const TAPE_TRADES = 1000;

export class KrakenTradeState {
  readonly candles = new KrakenCandles();
  private readonly tape = new TradeTape<KrakenTradeEvent>(TAPE_TRADES);

  get ignored(): number {
    return this.tape.ignored;
  }

  /** The newest trade; undefined before the first. */
  get last(): KrakenTradeEvent | undefined {
    return this.tape.last;
  }

  /** Add the next trade; false (and nothing changes) when its id is not above the last one. */
  add(trade: KrakenTradeEvent): boolean {
    const units = this.tape.add(trade, trade.tradeId, (u) => {
      u.price = toUnits(String(trade.price));
      u.qty = toUnits(String(trade.qty));
      u.quote = u.price * u.qty;
      u.time = trade.timestamp;
      u.id = trade.tradeId;
      u.takerBuy = trade.side === 'buy';
    });
    if (units === undefined) return false;
    this.candles.add(units);
    return true;
  }

  /** The newest `n` trades, oldest first. */
  latest(n: number): KrakenTradeEvent[] {
    return this.tape.latest(n);
  }

  /** Up to `count` trades timed after `sinceNs` (exclusive), oldest first, from the kept tape. */
  after(sinceNs: bigint, count: number): KrakenTradeEvent[] {
    const tape = this.tape.all;
    let lo = Math.max(0, tape.length - TAPE_TRADES);
    let hi = tape.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tradeNs(tape[mid]) <= sinceNs) lo = mid + 1;
      else hi = mid;
    }
    return tape.slice(lo, lo + count);
  }

  /** The trades of the 24 h ending at `at` (whole minutes); undefined before any trade. */
  window24h(at: number): WindowStats | undefined {
    return this.tape.window24h(at);
  }

  /** The trades from the minute holding `from` through the one holding `at`. */
  windowFrom(from: number, at: number): WindowStats | undefined {
    return this.tape.windowFrom(from, at);
  }
}

/** A trade's time in ns (Kraken's `since` / `last` cursor unit), from its µs. */
export function tradeNs(trade: KrakenTradeEvent): bigint {
  return BigInt(Math.round(trade.timestamp * 1000)) * 1000n;
}
