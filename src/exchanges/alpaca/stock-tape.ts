/**
 * One stock's consolidated tape as Alpaca's SIP feed reports it, built from the seeded market
 * simulator while it runs: every trade printed in the session (exchange code, per-exchange trade
 * id, conditions, tape), the NBBO quote whenever the top of the simulated book changes, and the
 * minute bars of those trades. Items wait here until a poll of their window takes them.
 *
 * Quote sizes are in round lots (100 shares) [sdk test fixtures]; trade sizes in shares.
 * Timestamps carry nanoseconds: the simulator's ms plus seeded sub-ms digits, strictly increasing
 * within each series. Between two book changes the NBBO also flickers as other exchanges join and
 * leave the best price (a size or exchange change at unchanged prices), several times a second in
 * the open, fewer at midday, and more right after trades — the simulated book is one aggregated ladder and would otherwise
 * show far fewer quote updates than a real NBBO [unconfirmed calibration]. Prices never move in a
 * flicker, so bid < ask holds in every quote exactly as in the book.
 */
import type { SimTrade } from '../../generate/market.js';
import type { Rng } from '../../generate/random.js';
import { BarBuilder, MINUTE_MS, quoteItem, tradeItem } from './generate-format.js';
import { QUOTE_VENUES, TRADE_VENUES, type AlpacaStock } from './profiles.js';
import { formatAlpacaTime } from './recording-time.js';
import type { SessionCalendar } from './session-activity.js';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from './wire.js';

/** NBBO flickers per second at midday (times the session's activity). */
const FLICKERS_PER_SECOND = 4;
/** NBBO flickers after each trade, on average: the other exchanges re-post at the top. */
const FLICKERS_PER_TRADE = 1.5;
const ROUND_LOT = 100;
/** The chance a side keeps its exchange when its price did not move. */
const KEEP_EXCHANGE = 0.75;

interface Timed<T> {
  readonly ms: number;
  readonly item: T;
}

interface Side {
  readonly x: string;
  readonly cents: number;
  readonly size: number;
}

/** Seeded sub-ms digits that keep one series' timestamps strictly increasing. */
class NanoClock {
  private lastMs = -Infinity;
  private lastSub = 0;

  constructor(private readonly rng: Rng) {}

  stamp(ms: number): string {
    const sub =
      ms === this.lastMs ? Math.min(999_999, this.lastSub + this.rng.int(1, 4000)) : this.rng.int(0, 500_000);
    this.lastMs = ms;
    this.lastSub = sub;
    return formatAlpacaTime(ms, sub);
  }
}

/** Quote sizes are in round lots of 100 shares [sdk test fixtures: `"as":2`]; a top is at least one. */
function roundLots(shares: number): number {
  return Math.max(1, Math.round(shares / ROUND_LOT));
}

function pick(rng: Rng, weighted: readonly (readonly [string, number])[]): string {
  let u = rng.float() * weighted.reduce((sum, [, w]) => sum + w, 0);
  for (const [code, w] of weighted) {
    u -= w;
    if (u < 0) return code;
  }
  return weighted[weighted.length - 1][0];
}

/** Takes the items timed before `toMs` off the front of `queue`. */
function takeBefore<T>(queue: Timed<T>[], toMs: number): T[] {
  let n = 0;
  while (n < queue.length && queue[n].ms < toMs) n++;
  return queue.splice(0, n).map((e) => e.item);
}

export class StockTape {
  readonly symbol: string;
  private readonly trades: Timed<AlpacaRestTrade>[] = [];
  private readonly quotes: Timed<AlpacaRestQuote>[] = [];
  private readonly bars: Timed<AlpacaRestBar>[] = [];
  private bar: BarBuilder | undefined;
  private readonly nextId = new Map<string, number>();
  private readonly tradeClock: NanoClock;
  private readonly quoteClock: NanoClock;
  /** The simulated top last quoted (`bid|bidQty|ask|askQty`), undefined while closed. */
  private simTop: string | undefined;
  private shown: { bid: Side; ask: Side } | undefined;
  private lastChangeMs = 0;
  private tradesSinceChange = 0;
  /** Flickers the trades at the last change still bring, on average. */
  private tradeFlickers = 0;

  constructor(
    private readonly stock: AlpacaStock,
    private readonly rng: Rng,
    private readonly calendar: SessionCalendar,
    /** Nothing before this instant is recorded (the simulator's warm-up). */
    private readonly fromMs: number,
  ) {
    this.symbol = stock.profile.symbol;
    this.tradeClock = new NanoClock(rng.fork('trade-time'));
    this.quoteClock = new NanoClock(rng.fork('quote-time'));
  }

  /** A trade the simulator printed; ignored outside the session. */
  recordTrade(trade: SimTrade): void {
    if (trade.time < this.fromMs || !this.calendar.isOpen(trade.time)) return;
    const x = pick(this.rng, TRADE_VENUES);
    const id = this.nextId.get(x) ?? this.rng.int(1_000, 90_000);
    this.nextId.set(x, id + 1);
    const item = tradeItem(
      this.tradeClock.stamp(trade.time),
      x,
      trade.priceTicks,
      trade.qtySteps,
      id,
      this.stock.tape,
    );
    this.trades.push({ ms: trade.time, item });
    this.tradesSinceChange++;
    const minute = Math.floor(trade.time / MINUTE_MS) * MINUTE_MS;
    if (this.bar !== undefined && this.bar.minuteMs !== minute) this.closeBar();
    this.bar ??= new BarBuilder(minute);
    this.bar.add(trade.priceTicks, trade.qtySteps);
  }

  /** The simulated book's top at `atMs` (a moment it may have changed). */
  bookChanged(bid: readonly [number, number], ask: readonly [number, number], atMs: number): void {
    if (atMs < this.fromMs || !this.calendar.isOpen(atMs)) {
      this.simTop = undefined;
      this.shown = undefined;
      this.tradesSinceChange = 0;
      this.tradeFlickers = 0;
      return;
    }
    this.flicker(atMs);
    this.lastChangeMs = atMs;
    this.tradeFlickers = FLICKERS_PER_TRADE * this.tradesSinceChange;
    this.tradesSinceChange = 0;
    const top = `${bid[0]}|${bid[1]}|${ask[0]}|${ask[1]}`;
    if (top === this.simTop) return;
    this.simTop = top;
    this.quote(atMs, this.side(bid, this.shown?.bid), this.side(ask, this.shown?.ask));
  }

  /** The trades timed before `toMs` not taken yet, oldest first. */
  takeTrades(toMs: number): AlpacaRestTrade[] {
    return takeBefore(this.trades, toMs);
  }

  takeQuotes(toMs: number): AlpacaRestQuote[] {
    return takeBefore(this.quotes, toMs);
  }

  /** The bars of the minutes that ended by `toMs` (a minute without trades has none). */
  takeBars(toMs: number): AlpacaRestBar[] {
    if (this.bar !== undefined && this.bar.minuteMs + MINUTE_MS <= toMs) this.closeBar();
    return takeBefore(this.bars, toMs - MINUTE_MS + 1);
  }

  private closeBar(): void {
    const bar = this.bar!;
    this.bars.push({ ms: bar.minuteMs, item: bar.bar() });
    this.bar = undefined;
  }

  private side([cents, shares]: readonly [number, number], before: Side | undefined): Side {
    const keep = before !== undefined && before.cents === cents && this.rng.bernoulli(KEEP_EXCHANGE);
    return { x: keep ? before.x : pick(this.rng, QUOTE_VENUES), cents, size: roundLots(shares) };
  }

  private quote(ms: number, bid: Side, ask: Side): void {
    this.shown = { bid, ask };
    this.quotes.push({ ms, item: quoteItem(this.quoteClock.stamp(ms), ask, bid, this.stock.tape) });
  }

  /** NBBO updates at unchanged prices between the last book change and `atMs`. */
  private flicker(atMs: number): void {
    const shown = this.shown;
    const gap = atMs - this.lastChangeMs;
    if (shown === undefined || gap < 2) return;
    const mean =
      (FLICKERS_PER_SECOND * this.calendar.activity(this.lastChangeMs) * gap) / 1000 + this.tradeFlickers;
    const times: number[] = [];
    for (let n = this.rng.poisson(mean); n > 0; n--)
      times.push(this.rng.int(this.lastChangeMs + 1, atMs - 1));
    times.sort((a, b) => a - b);
    for (const ms of times) {
      const which = this.rng.bernoulli(0.5) ? 'bid' : 'ask';
      const was = this.shown![which];
      const size = Math.max(1, Math.round(was.size * this.rng.logNormal(1, 0.4)));
      const x = this.rng.bernoulli(0.5) ? was.x : pick(this.rng, QUOTE_VENUES);
      const next = { ...this.shown!, [which]: { x, cents: was.cents, size } };
      this.quote(ms, next.bid, next.ask);
    }
  }
}
