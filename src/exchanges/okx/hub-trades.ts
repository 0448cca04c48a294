/**
 * One instrument's replayed trades as the OKX hub keeps them, in exact decimals
 * (src/core/decimal.ts): the recent tape (REST `market/trades`), the rolling per-minute window
 * (the `tickers` 24 h open / high / low / volumes), the start-of-day prices (`sodUtc0`, `sodUtc8`:
 * the first trade at or after 00:00 UTC and 00:00 UTC+8 of the day of the newest trade) and the
 * one-minute candles (`candle1m`, REST `market/candles`). Trades arrive de-duplicated in tradeId
 * order; one whose id is not above the last one is ignored and counted.
 */
import { toUnits } from '../../core/decimal.js';
import {
  addTrade,
  emptyAggregate,
  type TradeAggregate,
  type TradeUnits,
} from '../../replay/trade-aggregate.js';
import { TradeTape } from '../../replay/trade-tape.js';
import { MINUTE_MS, type WindowStats } from '../../replay/trade-window.js';
import type { OkxTradeEvent } from './events.js';

/** Trades kept for REST `market/trades` (its largest `limit`, 500 [doc]). */
export const TAPE_TRADES = 500;
/** One-minute candles kept for REST `market/candles` (its largest `limit`, 300 [doc]). */
export const KEPT_CANDLES = 300;
const DAY_MS = 86_400_000;
const UTC8_MS = 8 * 3_600_000;

/** The first trade price of a day. */
interface DayOpen {
  readonly day: number;
  readonly px: string;
}

export class OkxTradeState {
  private readonly tape = new TradeTape<OkxTradeEvent>(TAPE_TRADES);
  /** One-minute candles that had a trade, oldest first; the last is the open one. */
  private readonly minutes: TradeAggregate[] = [];
  private sod0: DayOpen | undefined;
  private sod8: DayOpen | undefined;

  get ignored(): number {
    return this.tape.ignored;
  }

  /** The newest trade; undefined before the first. */
  get last(): OkxTradeEvent | undefined {
    return this.tape.last;
  }

  /**
   * Add the next trade, timed `ts` (replay ms, the trade's `ts` rewritten to it); false, and
   * nothing changes, when its id is not above the last one. A bad number throws first.
   */
  add(trade: OkxTradeEvent): boolean {
    const id = BigInt(trade.tradeId);
    const time = Number(trade.ts);
    const units = this.tape.add(trade, id, (u) => {
      u.price = toUnits(trade.px);
      u.qty = toUnits(trade.sz);
      u.quote = u.price * u.qty;
      u.time = time;
      u.id = Number(id);
      u.takerBuy = trade.side === 'buy';
    });
    if (units === undefined) return false;
    this.addToCandle(units);
    const day0 = Math.floor(time / DAY_MS);
    if (this.sod0 === undefined || day0 > this.sod0.day) this.sod0 = { day: day0, px: trade.px };
    const day8 = Math.floor((time + UTC8_MS) / DAY_MS);
    if (this.sod8 === undefined || day8 > this.sod8.day) this.sod8 = { day: day8, px: trade.px };
    return true;
  }

  /** The newest `n` trades, newest first (REST order). */
  newest(n: number): OkxTradeEvent[] {
    return this.tape.latest(n).reverse();
  }

  /** The trades of the 24 h ending at `at` (whole minutes); undefined before any trade. */
  window24h(at: number): WindowStats | undefined {
    return this.tape.window24h(at);
  }

  /** `sodUtc0` / `sodUtc8` prices; undefined before any trade. */
  dayOpens(): { readonly utc0: string; readonly utc8: string } | undefined {
    if (this.sod0 === undefined || this.sod8 === undefined) return undefined;
    return { utc0: this.sod0.px, utc8: this.sod8.px };
  }

  /** The candle the newest trade went into; undefined before any trade. */
  openCandle(): TradeAggregate | undefined {
    return this.minutes[this.minutes.length - 1];
  }

  /** Kept candles starting before `before` (ms), newest first, at most `n`. */
  candlesBefore(before: number, n: number): TradeAggregate[] {
    const out: TradeAggregate[] = [];
    for (let i = this.minutes.length - 1; i >= 0 && out.length < n; i--) {
      if (this.minutes[i].start < before) out.push(this.minutes[i]);
    }
    return out;
  }

  private addToCandle(u: Readonly<TradeUnits>): void {
    const open = this.openCandle();
    const start = Math.floor(u.time / MINUTE_MS) * MINUTE_MS;
    if (open !== undefined && start <= open.start) {
      addTrade(open, u);
      return;
    }
    const candle = emptyAggregate(start);
    addTrade(candle, u);
    this.minutes.push(candle);
    if (this.minutes.length > KEPT_CANDLES + 1) this.minutes.shift();
  }
}
