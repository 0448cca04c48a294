/**
 * One pair's replayed trades as the hub keeps them: the recent tape (the v2 `trade` snapshot and
 * REST `Trades`), the rolling per-minute window (24 h ticker figures) and the candles, all in
 * exact decimals. Trades arrive de-duplicated, in trade-id order; one whose id is not above the
 * last one is ignored (counted).
 */
import { toUnits } from '../../core/decimal.js';
import type { TradeUnits } from '../../replay/trade-aggregate.js';
import { MINUTE_MS, MinuteTradeWindow, type WindowStats } from '../../replay/trade-window.js';
import { KrakenCandles } from './candles.js';
import type { KrakenTradeEvent } from './replay-source.js';

/** Trades kept for REST `Trades` (its largest `count`). */
export const TAPE_TRADES = 1000;
const DAY_MS = 86_400_000;

export class KrakenTradeState {
  readonly candles = new KrakenCandles();
  private readonly window = new MinuteTradeWindow();
  /** Oldest first; trimmed to {@link TAPE_TRADES} now and then. */
  private tape: KrakenTradeEvent[] = [];
  private lastId = -1;
  private ignoredTrades = 0;
  /** The trade being added, parsed once (reused). */
  private readonly unit: TradeUnits = { time: 0, id: 0, price: 0n, qty: 0n, quote: 0n, takerBuy: false };

  get ignored(): number {
    return this.ignoredTrades;
  }

  /** The newest trade; undefined before the first. */
  get last(): KrakenTradeEvent | undefined {
    return this.tape[this.tape.length - 1];
  }

  /** Add the next trade; false (and nothing changes) when its id is not above the last one. */
  add(trade: KrakenTradeEvent): boolean {
    if (trade.tradeId <= this.lastId) {
      this.ignoredTrades++;
      return false;
    }
    const u = this.unit;
    u.price = toUnits(String(trade.price));
    u.qty = toUnits(String(trade.qty));
    u.quote = u.price * u.qty;
    u.time = trade.timestamp;
    u.id = trade.tradeId;
    u.takerBuy = trade.side === 'buy';
    this.window.add(u);
    this.candles.add(u);
    this.lastId = trade.tradeId;
    this.tape.push(trade);
    if (this.tape.length >= 2 * TAPE_TRADES) this.tape = this.tape.slice(-TAPE_TRADES);
    return true;
  }

  /** The newest `n` trades, oldest first. */
  latest(n: number): KrakenTradeEvent[] {
    return this.tape.slice(-Math.min(n, TAPE_TRADES));
  }

  /** Up to `count` trades timed after `sinceNs` (exclusive), oldest first, from the kept tape. */
  after(sinceNs: bigint, count: number): KrakenTradeEvent[] {
    const tape = this.tape;
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
    return this.windowFrom(at - DAY_MS + 1, at);
  }

  /** The trades from the minute holding `from` through the one holding `at`. */
  windowFrom(from: number, at: number): WindowStats | undefined {
    return this.window.stats(Math.floor(from / MINUTE_MS), Math.floor(at / MINUTE_MS));
  }
}

/** A trade's time in ns (Kraken's `since` / `last` cursor unit), from its µs. */
export function tradeNs(trade: KrakenTradeEvent): bigint {
  return BigInt(Math.round(trade.timestamp * 1000)) * 1000n;
}
