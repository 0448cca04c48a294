/**
 * The OKX replay timeline: per-instrument state (the full book with its `seqId`, the trades, the
 * 24 h window, one-minute candles) fed by replay events (events.ts), publishing each v5 push once
 * on its fan-out channel, and only while that channel has a subscriber:
 *
 * - `books`: a `snapshot` for a `book_snapshot` event, else an `update` holding only the levels
 *   that changed inside the top 400, `prevSeqId` = the previous message's `seqId`; every message
 *   carries the checksum of the top 25 after it. `seqId` rises by one per message and never
 *   restarts (a `--loop` pass's snapshot continues it).
 * - `books5` / `bbo-tbt`: the full top 5 / top 1 whenever it changed.
 * - `trades`: one push per trade (`count` "1"); `tickers`: on every trade and every change of
 *   the best bid or ask; `candle1m`: the open candle (`confirm` "0") on every trade, and the
 *   closed one (`confirm` "1") once replay time reaches its minute's end (CadenceClock).
 *
 * Times are replay time: a trade's `ts` is its event's (the trade's own time, shifted on
 * `--loop`); a book message's is the recorded book's own `ts` (also shifted), never going back.
 */
import type { Logger } from '../../core/logger.js';
import { CadenceClock } from '../../replay/cadence-clock.js';
import type { ReplayEvent } from '../../replay/events.js';
import { MINUTE_MS } from '../../replay/trade-window.js';
import type { ChannelPublisher } from '../../replay/venue-host.js';
import {
  OKX_BOOK_DEPTH,
  OkxBookState,
  sameBest,
  sameLevels,
  windowChange,
  type OkxLevels,
} from './book-state.js';
import { fanoutChannel } from './channels.js';
import {
  encodeOkxBook,
  encodeOkxCandle,
  encodeOkxDepth,
  encodeOkxTicker,
  encodeOkxTrade,
} from './encoder.js';
import type { OkxBookEvent, OkxTradeEvent } from './events.js';
import { okxCandle, okxTicker } from './hub-derived.js';
import type { OkxHubInstrument, OkxHubPairs } from './hub-pairs.js';
import { OkxTradeState } from './hub-trades.js';
import type { OkxChannel, OkxDepthData } from './wire.js';

/** Levels a side of `books5`. */
export const BOOKS5_DEPTH = 5;

/** The state of one replayed instrument. */
export class OkxMarket {
  readonly book = new OkxBookState();
  readonly trades = new OkxTradeState();
  /**
   * `seqId` of the newest `books` message (and of books5 / bbo-tbt): +1 per book event, except
   * an update that changes nothing in a subscriber's window; 0 before the first book.
   */
  seqId = 0;
  /** Replay time of the last book event. */
  bookTime = 0;
  /** Wall clock of the last book event (for the `books` keepalive). */
  bookChangedAt = 0;
  /** Start of the newest candle already pushed with `confirm` "1". */
  confirmedCandle = -Infinity;

  constructor(readonly instrument: OkxHubInstrument) {}

  get instId(): string {
    return this.instrument.pair.instId;
  }
}

export interface OkxTimelineCounters {
  events: number;
  /** Events that could not be applied (bad levels or numbers, unknown instId): logged, skipped. */
  badEvents: number;
  ignoredTrades: number;
  framesPublished: number;
}

export class OkxTimeline {
  readonly counters: OkxTimelineCounters = { events: 0, badEvents: 0, ignoredTrades: 0, framesPublished: 0 };
  private readonly markets = new Map<string, OkxMarket>();
  private readonly clock: CadenceClock;
  private latest: number | null = null;

  constructor(
    private readonly sink: ChannelPublisher,
    private readonly pairs: OkxHubPairs,
    private readonly logger: Logger,
    private readonly wallClock: () => number,
    instIds: readonly string[] = [],
  ) {
    for (const id of instIds) this.marketOf(id);
    this.clock = new CadenceClock((err) => this.badEvent('candle', err, 'minute boundary'));
    this.clock.every(MINUTE_MS, (at) => this.closeCandles(at));
  }

  /** Replay time of the newest event (or clock move); null before any. */
  get replayTime(): number | null {
    return this.latest;
  }

  /** Instruments served (instIds). */
  symbols(): string[] {
    return [...this.markets.keys()];
  }

  market(instId: string): OkxMarket | undefined {
    return this.markets.get(instId);
  }

  rewindTo(ts: number): void {
    this.clock.rewindTo(ts);
  }

  advanceTo(ts: number): void {
    this.clock.advanceTo(ts);
    if (this.latest === null || ts > this.latest) this.latest = ts;
  }

  push(event: ReplayEvent): void {
    this.counters.events++;
    this.advanceTo(event.ts);
    const market = this.marketOf(event.symbol);
    try {
      if (market === undefined) throw new Error(`no OKX SPOT instrument ${event.symbol} is known to the hub`);
      if (event.kind === 'trade') this.onTrade(market, event.data as OkxTradeEvent, event.ts);
      else this.onBook(market, event.data as OkxBookEvent, event.kind === 'book_snapshot', event.ts);
    } catch (err) {
      this.badEvent(event.kind, err, event.symbol);
    }
  }

  /** The push a new subscriber of `channel` gets first; undefined while there is none to give. */
  snapshot(channel: OkxChannel, instId: string): string | undefined {
    const m = this.markets.get(instId);
    if (m === undefined) return undefined;
    switch (channel) {
      case 'books':
        return m.book.hasBook ? this.bookFrame(m, 'snapshot', m.book.top(OKX_BOOK_DEPTH), -1) : undefined;
      case 'books5':
      case 'bbo-tbt':
        return m.book.hasBook ? this.depthFrame(m, channel) : undefined;
      case 'tickers':
        return this.tickerFrame(m);
      case 'candle1m': {
        const open = m.trades.openCandle();
        if (open === undefined || open.start <= m.confirmedCandle) return undefined;
        return encodeOkxCandle(instId, okxCandle(open, '0'));
      }
      case 'trades':
        return undefined;
    }
  }

  /**
   * The `books` keepalive OKX sends when the book has not changed for a while: an update with no
   * levels repeating `seqId` (`prevSeqId` = `seqId`), with the current checksum.
   */
  bookKeepalive(instId: string): string | undefined {
    const m = this.markets.get(instId);
    if (m === undefined || !m.book.hasBook) return undefined;
    return this.bookFrame(m, 'update', { bids: [], asks: [] }, m.seqId);
  }

  private marketOf(instId: string): OkxMarket | undefined {
    let m = this.markets.get(instId);
    if (m !== undefined) return m;
    const instrument = this.pairs.find(instId);
    if (instrument === undefined) return undefined;
    m = new OkxMarket(instrument);
    this.markets.set(instId, m);
    return m;
  }

  private badEvent(kind: string, err: unknown, symbol: string): void {
    if (this.counters.badEvents++ === 0 || this.counters.badEvents % 1000 === 0) {
      this.logger.warn(
        { symbol, kind, err: String(err), badEvents: this.counters.badEvents },
        'okx: skipping a replay event that cannot be applied',
      );
    }
  }

  private publish(channel: OkxChannel, instId: string, frame: string): void {
    this.counters.framesPublished++;
    this.sink.publish(fanoutChannel(channel, instId), Buffer.from(frame));
  }

  private has(channel: OkxChannel, instId: string): boolean {
    return this.sink.has(fanoutChannel(channel, instId));
  }

  private onTrade(m: OkxMarket, event: OkxTradeEvent, ts: number): void {
    const trade: OkxTradeEvent = { ...event, instId: m.instId, ts: String(ts) };
    if (!m.trades.add(trade)) {
      this.counters.ignoredTrades++;
      return;
    }
    const id = m.instId;
    if (this.has('trades', id)) {
      const { instId, tradeId, px, sz, side } = trade;
      this.publish('trades', id, encodeOkxTrade({ instId, tradeId, px, sz, side, ts: trade.ts, count: '1' }));
    }
    if (this.has('tickers', id)) {
      const frame = this.tickerFrame(m);
      if (frame !== undefined) this.publish('tickers', id, frame);
    }
    const open = m.trades.openCandle();
    if (open !== undefined && this.has('candle1m', id)) {
      this.publish('candle1m', id, encodeOkxCandle(id, okxCandle(open, '0')));
    }
  }

  private onBook(m: OkxMarket, event: OkxBookEvent, isSnapshot: boolean, ts: number): void {
    const id = m.instId;
    const books = this.has('books', id);
    const window = books && !isSnapshot ? m.book.top(OKX_BOOK_DEPTH) : undefined;
    // The top levels are compared before and after only when a channel derived from them is read.
    const derived = this.has('books5', id) || this.has('bbo-tbt', id) || this.has('tickers', id);
    const top5 = derived ? m.book.top(BOOKS5_DEPTH) : undefined;
    const prevSeqId = m.seqId;
    if (isSnapshot) m.book.replace(event);
    else m.book.apply(event);
    // A book message carries the book's own time (the recorded answer's `ts`, shifted on --loop),
    // as OKX stamps the book's generation time; the capture time `ts` only when it has none.
    const own = Number(event.ts);
    m.bookTime = Number.isFinite(own) && own > 0 ? Math.max(own, m.bookTime) : ts;
    m.bookChangedAt = this.wallClock();
    if (!books) m.seqId++;
    else if (isSnapshot) {
      m.seqId++;
      this.publish('books', id, this.bookFrame(m, 'snapshot', m.book.top(OKX_BOOK_DEPTH), -1));
    } else {
      const change = windowChange(window as OkxLevels, m.book.top(OKX_BOOK_DEPTH));
      // Nothing changed inside the window: no message, and the sequence does not move.
      if (change.bids.length > 0 || change.asks.length > 0) {
        m.seqId++;
        this.publish('books', id, this.bookFrame(m, 'update', change, prevSeqId));
      }
    }
    if (top5 === undefined) return;
    const after5 = m.book.top(BOOKS5_DEPTH);
    if (
      this.has('books5', id) &&
      !(sameLevels(top5.bids, after5.bids) && sameLevels(top5.asks, after5.asks))
    ) {
      this.publish('books5', id, this.depthFrame(m, 'books5'));
    }
    if (sameBest(top5.bids, after5.bids) && sameBest(top5.asks, after5.asks)) return;
    if (this.has('bbo-tbt', id)) this.publish('bbo-tbt', id, this.depthFrame(m, 'bbo-tbt'));
    if (this.has('tickers', id)) {
      const frame = this.tickerFrame(m);
      if (frame !== undefined) this.publish('tickers', id, frame);
    }
  }

  /** Minute boundary `at`: the candles that closed before it go out with `confirm` "1". */
  private closeCandles(at: number): void {
    for (const m of this.markets.values()) {
      const closed = m.trades.candlesBefore(at, 1)[0];
      if (closed === undefined || closed.start <= m.confirmedCandle) continue;
      m.confirmedCandle = closed.start;
      if (this.has('candle1m', m.instId)) {
        this.publish('candle1m', m.instId, encodeOkxCandle(m.instId, okxCandle(closed, '1')));
      }
    }
  }

  private bookFrame(
    m: OkxMarket,
    action: 'snapshot' | 'update',
    levels: OkxLevels,
    prevSeqId: number,
  ): string {
    return encodeOkxBook(m.instId, action, {
      asks: levels.asks,
      bids: levels.bids,
      ts: String(m.bookTime),
      checksum: m.book.checksum(),
      prevSeqId,
      seqId: m.seqId,
    });
  }

  private depthFrame(m: OkxMarket, channel: 'books5' | 'bbo-tbt'): string {
    const top = m.book.top(channel === 'books5' ? BOOKS5_DEPTH : 1);
    const data: OkxDepthData = {
      asks: top.asks,
      bids: top.bids,
      instId: m.instId,
      ts: String(m.bookTime),
      seqId: m.seqId,
    };
    return encodeOkxDepth(channel, data);
  }

  private tickerFrame(m: OkxMarket): string | undefined {
    const ticker = okxTicker(m.instId, m.trades, m.book, this.latest ?? m.bookTime);
    return ticker === undefined ? undefined : encodeOkxTicker(ticker);
  }
}
