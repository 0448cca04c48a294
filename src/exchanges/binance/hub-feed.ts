import { BookSyncError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import type { BinanceFanout } from './hub-fanout.js';
import { OutgoingFrame } from './hub-fanout.js';
import { BinanceMarketState } from './market-state.js';
import { tradeEventToAggTrade } from './trade-dedup.js';
import type { BinanceDepthUpdateEvent, BinanceRestDepth, BinanceTradeEvent } from './wire.js';

const PARTIAL_LEVELS = [5, 10, 20] as const;
const SLOW_MS = 1000;
const FAST_MS = 100;

/** Stream names of one symbol, built once (no string building per event). */
interface StreamNames {
  readonly trade: string;
  readonly aggTrade: string;
  /** `@depth`, `@depth@100ms`, `@depth@1000ms`: the diff events as pushed. */
  readonly diff: readonly string[];
  readonly bookTicker: string;
  readonly ticker: string;
  readonly miniTicker: string;
  /** Per entry of PARTIAL_LEVELS: `@depthN` and `@depthN@1000ms`. */
  readonly partialSlow: readonly (readonly string[])[];
  /** Per entry of PARTIAL_LEVELS: `@depthN@100ms`. */
  readonly partialFast: readonly (readonly string[])[];
}

function streamNames(symbol: string): StreamNames {
  const l = symbol.toLowerCase();
  return {
    trade: `${l}@trade`,
    aggTrade: `${l}@aggTrade`,
    diff: [`${l}@depth`, `${l}@depth@100ms`, `${l}@depth@1000ms`],
    bookTicker: `${l}@bookTicker`,
    ticker: `${l}@ticker`,
    miniTicker: `${l}@miniTicker`,
    partialSlow: PARTIAL_LEVELS.map((n) => [`${l}@depth${n}`, `${l}@depth${n}@1000ms`]),
    partialFast: PARTIAL_LEVELS.map((n) => [`${l}@depth${n}@100ms`]),
  };
}

/** One replayed symbol: its market state and what was last sent on bookTicker. */
export class SymbolFeed {
  readonly state: BinanceMarketState;
  readonly names: StreamNames;
  /** Top of book after the previous book event (b, B, a, A); empty before the first. */
  bidPx = '';
  bidQty = '';
  askPx = '';
  askQty = '';
  /** In a crossed-book episode (best bid >= best ask), already logged. */
  crossed = false;

  constructor(symbol: string) {
    this.state = new BinanceMarketState(symbol);
    this.names = streamNames(symbol);
  }
}

export interface FeedCounters {
  eventsPushed: number;
  bookSnapshots: number;
  bookUpdates: number;
  /** Updates refused because they did not continue the book (not forwarded). */
  bookGaps: number;
  /** Episodes of a crossed recorded book (best bid >= best ask): each logged once, replayed as is. */
  crossedBooks: number;
  /** Book events (snapshots, updates) that left the book crossed. */
  crossedBookEvents: number;
  trades: number;
  /** Events that could not be applied (malformed data); dropped. */
  badEvents: number;
  /** Cadence boundaries emitted (1000 ms and 100 ms). */
  boundaries: number;
}

/**
 * The Binance replay timeline: applies pushed events to per-symbol state and publishes the
 * streams. Real-time streams (trade, aggTrade, diff depth, bookTicker) go out with their event;
 * cadenced ones (partial depth every 1000/100 ms, ticker and miniTicker every 1000 ms) go out
 * when replay time — the pushed events' `ts`, shared by all symbols — reaches a boundary, before
 * the event that reached it, so output is deterministic at any speed. Boundaries crossed with
 * no event between them collapse into the latest one (the state did not change in between).
 * Derived events are computed only for streams someone is subscribed to.
 */
export class BinanceFeed {
  readonly counters: FeedCounters = {
    eventsPushed: 0,
    bookSnapshots: 0,
    bookUpdates: 0,
    bookGaps: 0,
    crossedBooks: 0,
    crossedBookEvents: 0,
    trades: 0,
    badEvents: 0,
    boundaries: 0,
  };
  private readonly symbols = new Map<string, SymbolFeed>();
  private readonly list: SymbolFeed[] = [];
  private readonly fanout: BinanceFanout;
  private readonly logger: Logger;
  private readonly frame = new OutgoingFrame();
  private time: number | null = null;
  private nextSlow = 0;
  private nextFast = 0;

  constructor(fanout: BinanceFanout, logger: Logger) {
    this.fanout = fanout;
    this.logger = logger;
  }

  /** Replay time of the newest event (or advance), ms; null before the first. */
  get replayTime(): number | null {
    return this.time;
  }

  get(symbol: string): SymbolFeed | undefined {
    return this.symbols.get(symbol);
  }

  /** Symbols seen so far, in arrival order. */
  all(): readonly SymbolFeed[] {
    return this.list;
  }

  push(event: ReplayEvent): void {
    this.counters.eventsPushed++;
    this.advanceTo(event.ts);
    let feed = this.symbols.get(event.symbol);
    if (feed === undefined) {
      feed = new SymbolFeed(event.symbol);
      this.symbols.set(event.symbol, feed);
      this.list.push(feed);
    }
    try {
      switch (event.kind) {
        case 'trade':
          this.onTrade(feed, event.data as BinanceTradeEvent);
          break;
        case 'book_update':
          this.onUpdate(feed, event.data as BinanceDepthUpdateEvent);
          break;
        case 'book_snapshot':
          this.counters.bookSnapshots++;
          feed.state.applySnapshot(event.data as BinanceRestDepth);
          this.noteCrossed(feed);
          this.bookTicker(feed);
          break;
      }
    } catch (err) {
      // One malformed recording must not stop the replay for everyone.
      if (this.counters.badEvents++ === 0)
        this.logger.warn({ err, kind: event.kind }, 'replay event could not be applied');
    }
  }

  /** Move replay time to `ts`, first emitting the cadenced streams of a boundary it reaches. */
  advanceTo(ts: number): void {
    if (this.time === null) {
      this.time = ts;
      this.nextSlow = Math.floor(ts / SLOW_MS) * SLOW_MS + SLOW_MS;
      this.nextFast = Math.floor(ts / FAST_MS) * FAST_MS + FAST_MS;
      return;
    }
    if (ts >= this.nextFast) {
      try {
        if (ts >= this.nextSlow) {
          const at = Math.floor(ts / SLOW_MS) * SLOW_MS;
          this.nextSlow = at + SLOW_MS;
          this.emitSlow(at);
        }
        this.nextFast = Math.floor(ts / FAST_MS) * FAST_MS + FAST_MS;
        this.emitFast();
      } catch (err) {
        // A derived stream that cannot be built must not stop the replay clock for everyone.
        if (this.counters.badEvents++ === 0)
          this.logger.warn({ err }, 'cadenced streams could not be emitted');
      }
    }
    if (ts > this.time) this.time = ts;
  }

  private onTrade(feed: SymbolFeed, trade: BinanceTradeEvent): void {
    this.counters.trades++;
    feed.state.applyTrade(trade);
    const n = feed.names;
    this.fanout.publish(n.trade, this.frame.reset(trade));
    if (this.fanout.has(n.aggTrade))
      this.fanout.publish(n.aggTrade, this.frame.reset(tradeEventToAggTrade(trade)));
  }

  private onUpdate(feed: SymbolFeed, update: BinanceDepthUpdateEvent): void {
    try {
      feed.state.applyUpdate(update);
    } catch (err) {
      if (!(err instanceof BookSyncError)) throw err;
      if (this.counters.bookGaps++ === 0)
        this.logger.warn({ err: err.message }, 'depth update does not continue the book');
      return;
    }
    this.counters.bookUpdates++;
    this.noteCrossed(feed);
    const diff = feed.names.diff;
    const frame = this.frame.reset(update);
    for (let i = 0; i < diff.length; i++) this.fanout.publish(diff[i], frame);
    this.bookTicker(feed);
  }

  /**
   * The hub stands in for the exchange, so a crossed recorded book is replayed verbatim; it is
   * counted, and logged once when an episode starts and once when it ends.
   */
  private noteCrossed(feed: SymbolFeed): void {
    const state = feed.state;
    if (!state.isCrossed()) {
      if (feed.crossed) {
        feed.crossed = false;
        this.logger.info(
          { symbol: state.symbol, lastUpdateId: state.lastUpdateId },
          'replayed book no longer crossed',
        );
      }
      return;
    }
    this.counters.crossedBookEvents++;
    if (feed.crossed) return;
    feed.crossed = true;
    this.counters.crossedBooks++;
    const top = state.bookTicker();
    this.logger.warn(
      { symbol: state.symbol, bid: top?.b, ask: top?.a, lastUpdateId: state.lastUpdateId },
      'recorded book is crossed (best bid >= best ask); replaying it as recorded',
    );
  }

  /** `@bookTicker` when the top of book (price or quantity, either side) changed. */
  private bookTicker(feed: SymbolFeed): void {
    const t = feed.state.bookTicker();
    if (t === undefined) return;
    if (t.b === feed.bidPx && t.B === feed.bidQty && t.a === feed.askPx && t.A === feed.askQty) return;
    feed.bidPx = t.b;
    feed.bidQty = t.B;
    feed.askPx = t.a;
    feed.askQty = t.A;
    this.fanout.publish(feed.names.bookTicker, this.frame.reset(t));
  }

  private emitSlow(at: number): void {
    this.counters.boundaries++;
    const fanout = this.fanout;
    for (let s = 0; s < this.list.length; s++) {
      const feed = this.list[s];
      const n = feed.names;
      this.partial(feed, n.partialSlow);
      if (fanout.has(n.ticker)) {
        const t = feed.state.ticker24h(at);
        if (t !== undefined) fanout.publish(n.ticker, this.frame.reset(t));
      }
      if (fanout.has(n.miniTicker)) {
        const t = feed.state.miniTicker(at);
        if (t !== undefined) fanout.publish(n.miniTicker, this.frame.reset(t));
      }
    }
  }

  private emitFast(): void {
    this.counters.boundaries++;
    for (let s = 0; s < this.list.length; s++) this.partial(this.list[s], this.list[s].names.partialFast);
  }

  /** Partial book `{lastUpdateId,bids,asks}` for each level count someone listens to. */
  private partial(feed: SymbolFeed, names: readonly (readonly string[])[]): void {
    if (!feed.state.hasBook()) return;
    for (let k = 0; k < names.length; k++) {
      const group = names[k];
      let frame: OutgoingFrame | undefined;
      for (let i = 0; i < group.length; i++) {
        if (!this.fanout.has(group[i])) continue;
        frame ??= this.frame.reset(feed.state.depth(PARTIAL_LEVELS[k]));
        this.fanout.publish(group[i], frame);
      }
    }
  }
}
