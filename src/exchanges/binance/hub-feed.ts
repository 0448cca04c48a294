import { BookSyncError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { CadenceClock, type Cadence } from '../../replay/cadence-clock.js';
import type { ReplayEvent } from '../../replay/events.js';
import type { ChannelPublisher } from '../../replay/venue-host.js';
import { FramePublisher, OutgoingFrame, type SerializationCounter } from './hub-frame.js';
import { KLINE_SPECS } from './kline-intervals.js';
import { BinanceMarketState, type RollingWindow } from './market-state.js';
import { depthUpdateIds, readTrade, snapshotUpdateId, type TradeFacts } from './raw-ids.js';
import { streamRefusal, type ReplayedSymbols } from './stream-catalog.js';
import { tradeEventToAggTrade } from './trade-dedup.js';
import type { BinanceDepthUpdateEvent, BinanceRestDepth, BinanceTradeEvent } from './wire.js';

const PARTIAL_LEVELS = [5, 10, 20] as const;
const ROLLING_WINDOWS: readonly RollingWindow[] = ['1h', '4h', '1d'];
const SLOW_MS = 1000;
const FAST_MS = 100;
/** Klines other than 1s are pushed every 2000 ms (1s ones every 1000 ms). */
const KLINE_MS = 2000;

/** The all-market streams: every changed symbol's event in one array, each second. */
const MARKET_TICKER = '!ticker@arr';
const MARKET_MINI_TICKER = '!miniTicker@arr';
const MARKET_ROLLING = ROLLING_WINDOWS.map((w) => `!ticker_${w}@arr`);

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
  /** Per entry of KLINE_SPECS: `@kline_<interval>` and `@kline_<interval>@+08:00`. */
  readonly klines: readonly string[];
  /** Per entry of ROLLING_WINDOWS: `@ticker_<size>`. */
  readonly rolling: readonly string[];
  readonly avgPrice: string;
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
    klines: KLINE_SPECS.map((k) => `${l}@${k.streamSuffix}`),
    rolling: ROLLING_WINDOWS.map((w) => `${l}@ticker_${w}`),
    avgPrice: `${l}@avgPrice`,
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
  /** Replay time of the last trade and of the last top-of-book change (the `!…@arr` streams). */
  tradedAt = -Infinity;
  topChangedAt = -Infinity;

  constructor(symbol: string) {
    this.state = new BinanceMarketState(symbol);
    this.names = streamNames(symbol);
  }
}

export interface FeedCounters extends SerializationCounter {
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
 * On the 1000 ms boundaries also go the rolling-window tickers, avgPrice, the `!…@arr` arrays
 * (symbols that changed since the previous boundary) and klines (1s every boundary, the others
 * every 2000 ms, plus each interval's final push when it closes).
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
    payloadsSerialized: 0,
  };
  private readonly bySymbol = new Map<string, SymbolFeed>();
  private readonly list: SymbolFeed[] = [];
  /** Symbols the replay will publish, told before their first event. */
  private readonly declared = new Set<string>();
  private readonly replayed: ReplayedSymbols = {
    has: (s) => this.bySymbol.has(s) || this.declared.has(s),
    list: () => [...new Set([...this.declared, ...this.bySymbol.keys()])],
  };
  private readonly fanout: FramePublisher;
  private readonly logger: Logger;
  private readonly frame = new OutgoingFrame();
  /** The trade being applied, read from its bytes (reused). */
  private readonly trade: TradeFacts = { t: 0, p: '', q: '', T: 0, m: false };
  private readonly clock: CadenceClock;
  /** Due when a KLINE_MS boundary was reached: the open klines go out with that step's 1000 ms streams. */
  private readonly klinePush: Cadence;

  constructor(publisher: ChannelPublisher, logger: Logger) {
    this.fanout = new FramePublisher(publisher, this.counters);
    this.logger = logger;
    this.clock = new CadenceClock((err) => {
      // A derived stream that cannot be built must not stop the replay clock for everyone.
      if (this.counters.badEvents++ === 0) this.logger.warn({ err }, 'cadenced streams could not be emitted');
    });
    this.klinePush = this.clock.every(KLINE_MS);
    this.clock.every(SLOW_MS, (at, previous) => this.emitSlow(at, previous));
    this.clock.every(FAST_MS, () => this.emitFast());
  }

  /** Replay time of the newest event (or advance), ms; null before the first. */
  /** Native symbols seen so far, in arrival order. */
  symbols(): string[] {
    return this.list.map((f) => f.state.symbol);
  }

  get replayTime(): number | null {
    return this.clock.replayTime;
  }

  get(symbol: string): SymbolFeed | undefined {
    return this.bySymbol.get(symbol);
  }

  /** Symbols seen so far, in arrival order. */
  all(): readonly SymbolFeed[] {
    return this.list;
  }

  /** Native symbols the replay will publish: their streams are served before their first event. */
  declare(symbols: readonly string[]): void {
    for (const s of symbols) this.declared.add(s);
  }

  /** Why the well-formed stream `name` cannot be served (see stream-catalog.ts); undefined when it is. */
  refusal(name: string): string | undefined {
    return streamRefusal(name, this.replayed);
  }

  push(event: ReplayEvent): void {
    this.counters.eventsPushed++;
    this.advanceTo(event.ts);
    let feed = this.bySymbol.get(event.symbol);
    if (feed === undefined) {
      feed = new SymbolFeed(event.symbol);
      this.bySymbol.set(event.symbol, feed);
      this.list.push(feed);
    }
    try {
      switch (event.kind) {
        case 'trade':
          this.onTrade(feed, event);
          break;
        case 'book_update':
          this.onUpdate(feed, event);
          break;
        case 'book_snapshot':
          this.onSnapshot(feed, event);
          break;
      }
    } catch (err) {
      // One malformed recording must not stop the replay for everyone.
      if (this.counters.badEvents++ === 0)
        this.logger.warn({ err, kind: event.kind }, 'replay event could not be applied');
    }
  }

  /** Move replay time to `ts`, first emitting the cadenced streams of a boundary it reaches. */
  rewindTo(ts: number): void {
    this.clock.rewindTo(ts);
  }

  advanceTo(ts: number): void {
    this.clock.advanceTo(ts);
  }

  /** A trade off the link (its bytes) is read for its facts and forwarded as it is, never parsed. */
  private onTrade(feed: SymbolFeed, event: ReplayEvent): void {
    this.counters.trades++;
    const raw = event.raw;
    const trade =
      raw !== undefined && readTrade(raw, this.trade) ? this.trade : (event.data as BinanceTradeEvent);
    feed.state.applyTrade(trade);
    feed.tradedAt = this.clock.replayTime ?? trade.T;
    const n = feed.names;
    this.fanout.publish(n.trade, raw === undefined ? this.frame.reset(event.data) : this.frame.resetRaw(raw));
    if (this.fanout.has(n.aggTrade))
      this.fanout.publish(
        n.aggTrade,
        this.frame.reset(tradeEventToAggTrade(event.data as BinanceTradeEvent)),
      );
  }

  /**
   * A book off the link (bytes, with its top) is kept deferred: parsed only when something reads
   * the whole book. Otherwise (in process, or bytes that do not show their ids) it is applied.
   */
  private onSnapshot(feed: SymbolFeed, event: ReplayEvent): void {
    this.counters.bookSnapshots++;
    const id = event.raw === undefined ? undefined : snapshotUpdateId(event.raw);
    if (event.raw !== undefined && id !== undefined) feed.state.deferSnapshot(event.raw, id, event.top);
    else feed.state.applySnapshot(event.data as BinanceRestDepth);
    this.noteCrossed(feed);
    this.bookTicker(feed);
  }

  private onUpdate(feed: SymbolFeed, event: ReplayEvent): void {
    const raw = event.raw;
    const ids = raw === undefined ? undefined : depthUpdateIds(raw);
    try {
      if (raw !== undefined && ids !== undefined) feed.state.deferUpdate(raw, ids, event.fullRaw, event.top);
      else feed.state.applyUpdate(event.data as BinanceDepthUpdateEvent);
    } catch (err) {
      if (!(err instanceof BookSyncError)) throw err;
      if (this.counters.bookGaps++ === 0)
        this.logger.warn({ err: err.message }, 'depth update does not continue the book');
      return;
    }
    this.counters.bookUpdates++;
    this.noteCrossed(feed);
    const diff = feed.names.diff;
    const frame =
      raw === undefined ? this.frame.reset(event.data as BinanceDepthUpdateEvent) : this.frame.resetRaw(raw);
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
    feed.topChangedAt = this.clock.replayTime ?? 0;
    this.fanout.publish(feed.names.bookTicker, this.frame.reset(t));
  }

  private emitSlow(at: number, prev: number): void {
    this.counters.boundaries++;
    const klinePush = this.klinePush.due;
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
      for (let w = 0; w < ROLLING_WINDOWS.length; w++) {
        if (!fanout.has(n.rolling[w])) continue;
        const t = feed.state.rollingTicker(ROLLING_WINDOWS[w], at);
        if (t !== undefined) fanout.publish(n.rolling[w], this.frame.reset(t));
      }
      if (fanout.has(n.avgPrice)) {
        const t = feed.state.avgPrice(at);
        if (t !== undefined) fanout.publish(n.avgPrice, this.frame.reset(t));
      }
      this.klines(feed, at, prev, klinePush);
    }
    this.marketArrays(at, prev);
  }

  /** Each subscribed kline stream of `feed`: a final push when its interval closed, else the open kline when due. */
  private klines(feed: SymbolFeed, at: number, prev: number, push: boolean): void {
    const names = feed.names.klines;
    for (let k = 0; k < names.length; k++) {
      if (!this.fanout.has(names[k])) continue;
      const due = push || KLINE_SPECS[k].interval === '1s';
      const ev = feed.state.klines.kline(k, at, prev, due);
      if (ev !== undefined) this.fanout.publish(names[k], this.frame.reset(ev));
    }
  }

  /** `!ticker@arr`, `!miniTicker@arr`, `!ticker_<size>@arr`: the symbols that changed since `prev`. */
  private marketArrays(at: number, prev: number): void {
    const traded = (f: SymbolFeed): boolean => f.tradedAt >= prev;
    this.marketArray(
      MARKET_TICKER,
      (f) => traded(f) || f.topChangedAt >= prev,
      (f) => f.state.ticker24h(at),
    );
    this.marketArray(MARKET_MINI_TICKER, traded, (f) => f.state.miniTicker(at));
    for (let w = 0; w < ROLLING_WINDOWS.length; w++) {
      this.marketArray(MARKET_ROLLING[w], traded, (f) => f.state.rollingTicker(ROLLING_WINDOWS[w], at));
    }
  }

  /** One all-market array: `event` of every symbol that `changed`; nothing when none did. */
  private marketArray<T>(
    name: string,
    changed: (f: SymbolFeed) => boolean,
    event: (f: SymbolFeed) => T | undefined,
  ): void {
    if (!this.fanout.has(name)) return;
    const out: T[] = [];
    for (let s = 0; s < this.list.length; s++) {
      const f = this.list[s];
      if (!changed(f)) continue;
      const ev = event(f);
      if (ev !== undefined) out.push(ev);
    }
    if (out.length > 0) this.fanout.publish(name, this.frame.reset(out));
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
