import type { Bus, PublishOptions } from '../bus/bus.js';
import type { Exchange, MessageType, NormalizedMessage } from '../core/types.js';

/** Gateway stream type for each normalized message type (`book` carries top-N `book_snapshot`s). */
export const STREAM_TYPE_OF: Readonly<Record<MessageType, string>> = {
  trade: 'trade',
  book_snapshot: 'book',
  book_change: 'book_change',
  ticker: 'ticker',
  quote: 'quote',
  bar: 'bar',
  status: 'status',
};

/** Streams whose latest value is kept and sent first to a new subscriber. */
const STATEFUL: ReadonlySet<MessageType> = new Set<MessageType>([
  'book_snapshot',
  'ticker',
  'quote',
  'status',
]);

/**
 * Streams every source of a symbol feeds on its aggregated topic: each trade is a distinct event
 * at its venue (tagged with `exchange`), so `trade@BTC/USDT` is the tape of all of them. A book,
 * quote, ticker or bar is one venue's view and a mix would flicker between venues: those come
 * from the active source only (or from the aggregator: resolved tickers, the consolidated quote).
 */
const FROM_EVERY_SOURCE: ReadonlySet<MessageType> = new Set<MessageType>(['trade']);

/**
 * A status holds until the next one (a feed reports every change, its close included), so it
 * never expires: with a TTL, a `status@` subscriber joining after it lapsed would hear nothing
 * until the connection next changed state.
 */
const STATUS_OPTS: PublishOptions = { latestTtlMs: Infinity };

export interface RouterOptions {
  /** How long a latest value (book, ticker, quote) stays valid without being refreshed. */
  latestTtlMs: number;
  /** The exchange whose books, quotes, tickers, bars and statuses feed a symbol's aggregated streams (now). */
  primaryFor(symbol: string): Exchange | undefined;
  /**
   * Types whose aggregated stream someone else publishes through `routeAggregated` (the
   * aggregator: resolved tickers, consolidated quotes); `route` leaves them on the exchange stream.
   */
  aggregatedElsewhere?: ReadonlySet<MessageType>;
}

/**
 * Publishes normalized messages on the bus under their per-exchange stream
 * (`trade@binance:BTC/USDT`) and on the aggregated stream (`trade@BTC/USDT`): trades from every
 * exchange carrying the symbol, everything else from the symbol's active source (`primaryFor`: the
 * aggregator's choice, src/ingest/aggregator.ts). Topic strings are cached per (type, exchange, symbol).
 */
export class BusRouter {
  private readonly bus: Bus;
  private readonly opts: RouterOptions;
  /** exchange → symbol → message type → its two topics; lookups allocate nothing per message. */
  private readonly topics = new Map<string, Map<string, Map<MessageType, TopicPair>>>();
  private readonly statefulOpts: PublishOptions;
  private readonly elsewhere: ReadonlySet<MessageType>;
  routed = 0;

  constructor(bus: Bus, opts: RouterOptions) {
    this.bus = bus;
    this.opts = opts;
    this.statefulOpts = { latestTtlMs: opts.latestTtlMs };
    this.elsewhere = opts.aggregatedElsewhere ?? new Set();
  }

  route(msg: NormalizedMessage): void {
    const pair = this.topicsOf(msg);
    const publishOpts =
      msg.type === 'status' ? STATUS_OPTS : STATEFUL.has(msg.type) ? this.statefulOpts : undefined;
    this.bus.publish(pair[0], msg, publishOpts);
    const aggregated =
      !this.elsewhere.has(msg.type) &&
      (FROM_EVERY_SOURCE.has(msg.type) || this.opts.primaryFor(msg.symbol) === msg.exchange);
    if (aggregated) {
      this.bus.publish(pair[1], msg, publishOpts);
    }
    this.routed++;
  }

  /** Publish on the aggregated stream only (`ticker@BTC/USDT`): a message the aggregator made or chose. */
  routeAggregated(msg: NormalizedMessage): void {
    const publishOpts =
      msg.type === 'status' ? STATUS_OPTS : STATEFUL.has(msg.type) ? this.statefulOpts : undefined;
    this.bus.publish(this.topicsOf(msg)[1], msg, publishOpts);
  }

  private topicsOf(msg: NormalizedMessage): TopicPair {
    let bySymbol = this.topics.get(msg.exchange);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.topics.set(msg.exchange, bySymbol);
    }
    let byType = bySymbol.get(msg.symbol);
    if (byType === undefined) {
      byType = new Map();
      bySymbol.set(msg.symbol, byType);
    }
    let pair = byType.get(msg.type);
    if (pair === undefined) {
      const type = STREAM_TYPE_OF[msg.type];
      pair = [`${type}@${msg.exchange}:${msg.symbol}`, `${type}@${msg.symbol}`];
      byType.set(msg.type, pair);
    }
    return pair;
  }
}

type TopicPair = readonly [exchangeTopic: string, aggregatedTopic: string];
