/**
 * The Kraken replay timeline: per-pair state (full book, recent trades, 24 h window, candles)
 * fed by replay events, publishing each v2 frame once on its fan-out channel, and only while
 * that channel has a subscriber. Book frames (snapshot and update) carry the CRC32 of the top
 * 10 after applying them; a depth-N update holds only the changes inside the top N. A ticker
 * goes out on every trade (`event_trigger` trades) and on every change of the best bid or ask
 * (bbo); an ohlc update on every trade, for the candle it went into. Times are replay time.
 */
import type { Logger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import type { ChannelPublisher } from '../../replay/venue-host.js';
import type { TextBook } from '../../replay/level-diff.js';
import { KrakenBookState, type WireBook } from './book-state.js';
import {
  bookChannel,
  ohlcChannel,
  tickerChannel,
  tradeChannel,
  type KrakenSubscription,
} from './channels.js';
import { ohlcInput, tickerInput } from './derived.js';
import { encodeKrakenBook, encodeKrakenOhlc, encodeKrakenTicker, encodeKrakenTrades } from './encoder.js';
import type { KrakenTradeEvent } from './replay-source.js';
import type { KrakenPair, KrakenPairs } from './symbols.js';
import { KrakenTradeState } from './trade-state.js';
import { KRAKEN_BOOK_DEPTHS, KRAKEN_OHLC_INTERVALS, type KrakenMessageType } from './wire.js';

/** Trades in a `trade` snapshot [unconfirmed: 50]. */
export const TRADE_SNAPSHOT_SIZE = 50;

/** The state of one replayed pair. */
export class KrakenMarket {
  readonly book: KrakenBookState;
  readonly trades = new KrakenTradeState();
  /** Replay time of the last book event. */
  bookTime = 0;

  constructor(readonly pair: KrakenPair) {
    this.book = new KrakenBookState(pair);
  }
}

export interface TimelineCounters {
  events: number;
  /** Events that could not be applied (off the pair's grid, unknown pair): logged, skipped. */
  badEvents: number;
  ignoredTrades: number;
  framesPublished: number;
}

export class KrakenTimeline {
  readonly counters: TimelineCounters = { events: 0, badEvents: 0, ignoredTrades: 0, framesPublished: 0 };
  private readonly markets = new Map<string, KrakenMarket>();
  private latest: number | null = null;

  constructor(
    private readonly sink: ChannelPublisher,
    private readonly pairs: KrakenPairs,
    private readonly logger: Logger,
    symbols: readonly string[] = [],
  ) {
    for (const s of symbols) this.marketOf(s);
  }

  /** Replay time of the newest event (or clock move); null before any. */
  get replayTime(): number | null {
    return this.latest;
  }

  /** Pairs served, v2 symbols. */
  symbols(): string[] {
    return [...this.markets.keys()];
  }

  market(symbol: string): KrakenMarket | undefined {
    return this.markets.get(symbol);
  }

  rewindTo(ts: number): void {
    this.latest = ts;
  }

  advanceTo(ts: number): void {
    if (this.latest === null || ts > this.latest) this.latest = ts;
  }

  push(event: ReplayEvent): void {
    this.counters.events++;
    this.advanceTo(event.ts);
    const market = this.marketOf(event.symbol);
    try {
      if (market === undefined) throw new Error(`no precision known for pair ${event.symbol}`);
      if (event.kind === 'trade') this.onTrade(market, event.data as KrakenTradeEvent, event.ts);
      else this.onBook(market, event.data as TextBook, event.kind === 'book_snapshot', event.ts);
    } catch (err) {
      if (this.counters.badEvents++ === 0 || this.counters.badEvents % 1000 === 0) {
        this.logger.warn(
          { symbol: event.symbol, kind: event.kind, err: String(err), badEvents: this.counters.badEvents },
          'kraken: skipping a replay event that cannot be applied',
        );
      }
    }
  }

  /** The frame a new subscriber gets first; undefined while there is nothing to show yet. */
  snapshot(sub: KrakenSubscription): string | undefined {
    const m = this.markets.get(sub.symbol);
    if (m === undefined) return undefined;
    const p = m.pair;
    switch (sub.channel) {
      case 'book':
        return m.book.hasBook
          ? this.bookFrame(m, 'snapshot', m.book.top(sub.depth), m.book.checksum())
          : undefined;
      case 'trade':
        return encodeKrakenTrades('snapshot', m.trades.latest(TRADE_SNAPSHOT_SIZE), p);
      case 'ticker':
        return this.tickerFrame(m, 'snapshot', this.latest ?? m.bookTime);
      case 'ohlc': {
        const candles = m.trades.candles
          .recent(sub.interval)
          .map((c) => ohlcInput(p.symbol, c, sub.interval, p));
        return encodeKrakenOhlc('snapshot', this.latest ?? 0, candles, p);
      }
    }
  }

  private marketOf(symbol: string): KrakenMarket | undefined {
    let m = this.markets.get(symbol);
    if (m !== undefined) return m;
    const pair = this.pairs.find(symbol);
    if (pair === undefined || pair.symbol !== symbol) return undefined;
    m = new KrakenMarket(pair);
    this.markets.set(symbol, m);
    return m;
  }

  private publish(channel: string, frame: string): void {
    this.counters.framesPublished++;
    this.sink.publish(channel, Buffer.from(frame));
  }

  private onTrade(m: KrakenMarket, trade: KrakenTradeEvent, ts: number): void {
    if (!m.trades.add(trade)) {
      this.counters.ignoredTrades++;
      return;
    }
    const { symbol } = m.pair;
    const sink = this.sink;
    const trades = tradeChannel(symbol);
    if (sink.has(trades)) this.publish(trades, encodeKrakenTrades('update', [trade], m.pair));
    const ticker = tickerChannel(symbol, 'trades');
    if (sink.has(ticker)) {
      const frame = this.tickerFrame(m, 'update', ts);
      if (frame !== undefined) this.publish(ticker, frame);
    }
    for (const interval of KRAKEN_OHLC_INTERVALS) {
      const channel = ohlcChannel(symbol, interval);
      const candle = m.trades.candles.open(interval);
      if (candle === undefined || !sink.has(channel)) continue;
      this.publish(
        channel,
        encodeKrakenOhlc('update', ts, [ohlcInput(symbol, candle, interval, m.pair)], m.pair),
      );
    }
  }

  private onBook(m: KrakenMarket, book: TextBook, isSnapshot: boolean, ts: number): void {
    const { symbol } = m.pair;
    const depths = KRAKEN_BOOK_DEPTHS.filter((d) => this.sink.has(bookChannel(symbol, d)));
    const deepest = depths.length === 0 ? 0 : depths[depths.length - 1];
    const before = m.book.top(deepest);
    const bidBefore = m.book.bestBid();
    const askBefore = m.book.bestAsk();
    if (isSnapshot) m.book.replace(book, ts);
    else m.book.apply(book, ts);
    m.bookTime = ts;
    if (deepest > 0) {
      const after = m.book.top(deepest);
      const checksum = m.book.checksum();
      for (const depth of depths) {
        const window = truncated(after, depth);
        const frame = isSnapshot
          ? this.bookFrame(m, 'snapshot', window, checksum)
          : this.bookUpdate(m, truncated(before, depth), window, checksum);
        if (frame !== undefined) this.publish(bookChannel(symbol, depth), frame);
      }
    }
    const bbo = tickerChannel(symbol, 'bbo');
    if (
      this.sink.has(bbo) &&
      (!sameLevel(bidBefore, m.book.bestBid()) || !sameLevel(askBefore, m.book.bestAsk()))
    ) {
      const frame = this.tickerFrame(m, 'update', ts);
      if (frame !== undefined) this.publish(bbo, frame);
    }
  }

  private bookUpdate(
    m: KrakenMarket,
    before: WireBook,
    after: WireBook,
    checksum: number,
  ): string | undefined {
    const change = m.book.windowChange(before, after);
    if (change.bids.length === 0 && change.asks.length === 0) return undefined;
    return this.bookFrame(m, 'update', change, checksum);
  }

  private bookFrame(m: KrakenMarket, type: KrakenMessageType, levels: WireBook, checksum: number): string {
    return encodeKrakenBook(
      type,
      { symbol: m.pair.symbol, bids: levels.bids, asks: levels.asks, checksum, timestamp: m.bookTime },
      m.pair,
    );
  }

  private tickerFrame(m: KrakenMarket, type: KrakenMessageType, at: number): string | undefined {
    const w = m.trades.window24h(at);
    if (w === undefined) return undefined;
    return encodeKrakenTicker(type, tickerInput(m.pair.symbol, w, m.book, at, m.pair), m.pair);
  }
}

function truncated(book: WireBook, depth: number): WireBook {
  return book.bids.length <= depth && book.asks.length <= depth
    ? book
    : { bids: book.bids.slice(0, depth), asks: book.asks.slice(0, depth) };
}

function sameLevel(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1]);
}
