/**
 * A replayed symbol's recent trades as a venue's hub keeps them: the tape (the newest trades, for
 * trade snapshots and REST trade lists) and the rolling per-minute window (24 h ticker figures),
 * in exact decimals. Trades arrive de-duplicated in id order; one whose id is not above the
 * last one is ignored and counted. The venue parses each trade into the reused `TradeUnits`.
 */
import type { TradeUnits } from './trade-aggregate.js';
import { MINUTE_MS, MinuteTradeWindow, type WindowStats } from './trade-window.js';

const DAY_MS = 86_400_000;

export class TradeTape<T> {
  private readonly window = new MinuteTradeWindow();
  /** Oldest first; trimmed to `keep` now and then. */
  private tape: T[] = [];
  private lastId: number | bigint = -1;
  private ignoredTrades = 0;
  /** The trade being added, parsed once (reused). */
  private readonly unit: TradeUnits = { time: 0, id: 0, price: 0n, qty: 0n, quote: 0n, takerBuy: false };

  /** `keep`: trades the tape holds at least (the venue's largest REST page). */
  constructor(readonly keep: number) {}

  get ignored(): number {
    return this.ignoredTrades;
  }

  /** The newest trade; undefined before the first. */
  get last(): T | undefined {
    return this.tape[this.tape.length - 1];
  }

  /**
   * Add `trade` with id `id`, `parse` filling the units (price, qty, quote, time, id, takerBuy);
   * the units added, or undefined (and nothing changes) when the id is not above the last one.
   * A `parse` that throws (a bad number) changes nothing either.
   */
  add(trade: T, id: number | bigint, parse: (units: TradeUnits) => void): Readonly<TradeUnits> | undefined {
    if (id <= this.lastId) {
      this.ignoredTrades++;
      return undefined;
    }
    const u = this.unit;
    parse(u);
    this.window.add(u);
    this.lastId = id;
    this.tape.push(trade);
    if (this.tape.length >= 2 * this.keep) this.tape = this.tape.slice(-this.keep);
    return u;
  }

  /** The newest `n` trades (at most `keep`), oldest first. */
  latest(n: number): T[] {
    return this.tape.slice(-Math.min(n, this.keep));
  }

  /** The kept tape, oldest first (read only; for searches by time). */
  get all(): readonly T[] {
    return this.tape;
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
