/**
 * Binance Spot ingest client: one combined-stream connection (`<wsBase>/stream`) driven by a
 * `ConnectionSpec`, SUBSCRIBE per symbol for trade, depth@100ms, ticker and kline_1m, and a
 * `BinanceBookSync` per symbol that turns the diff stream into a validated local book.
 *
 * `book_snapshot` and `quote` come only from that validated book, never from the wire: so they
 * are never crossed, and they carry the diff's exchange time `E` (bookTicker has no event time).
 * A ticker whose bid/ask is crossed is dropped and counted. Klines become `bar`s once, when they
 * close (`x: true`): the normalized bar has no "still open" flag, so in-progress pushes are not
 * forwarded.
 */
import { DecodeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { NormalizedMessage, Ticker } from '../../core/types.js';
import type { BackoffOptions } from '../../ingest/backoff.js';
import {
  Connection,
  type ConnectionSpec,
  type ConnectionStatusState,
  type WebSocketCtor,
} from '../../ingest/connection.js';
import { FeedQueue, type Feed, type FeedStats } from '../../ingest/feed.js';
import type { RateLimitOptions } from '../../ingest/rate-limiter.js';
import type { NumericOrderBook } from '../../book/order-book.js';
import { BinanceBookSync, type BookSyncState, type BookSyncStats } from './book-sync.js';
import {
  binanceStreamName,
  controlReplyOf,
  decodeDepthUpdate,
  decodeKline,
  isDepthUpdate,
  isKline,
  normalizeBinanceEvent,
  parseBinanceFrame,
  type BinanceControlReply,
  type BinanceStreamKind,
} from './codec.js';
import { toBinanceSymbol, toCanonicalSymbol } from './symbols.js';

/** Streams subscribed per symbol (quotes are derived from the local book, not `bookTicker`). */
export const BINANCE_FEED_STREAMS: readonly BinanceStreamKind[] = [
  'trade',
  'depth@100ms',
  'ticker',
  'kline_1m',
];

/**
 * 5 incoming messages/s per connection (EXCHANGES.md 1.2), and `ws`'s automatic pongs count
 * too: burst 1 + 4/s keeps every one-second window at 5 or fewer of ours.
 */
export const BINANCE_RATE_LIMIT: RateLimitOptions = { perSecond: 4, burst: 1 };

/** Params per SUBSCRIBE message; a connection holds at most 1024 streams. */
const STREAMS_PER_MESSAGE = 200;
const MAX_STREAMS = 1024;

export interface BinanceFeedOptions {
  /** `wss://stream.binance.com:9443` or a replay hub's `ws://127.0.0.1:3100/binance`. */
  readonly wsBaseUrl: string;
  /** `https://api.binance.com` or `http://127.0.0.1:3100/binance`. */
  readonly restBaseUrl: string;
  /** Canonical symbols (`BTC/USDT`). */
  readonly symbols: string[];
  /** Levels per side of the emitted `book_snapshot`s. Default 20. */
  readonly bookDepth?: number;
  readonly logger: Logger;
  readonly WebSocket?: WebSocketCtor;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** Between reconnect attempts and between snapshot retries. */
  readonly backoff?: BackoffOptions;
  /** No frame or server ping for this long: the link is dead, reconnect. Default 60000 (3 missed pings). */
  readonly staleAfterMs?: number;
  readonly connectTimeoutMs?: number;
  /** Outgoing message limit. Default `BINANCE_RATE_LIMIT`. */
  readonly rateLimit?: RateLimitOptions;
  /** REST depth `limit` for book snapshots. Default 1000. */
  readonly snapshotLimit?: number;
  /** Messages held for a slow consumer before the oldest are dropped. Default 100000. */
  readonly maxQueued?: number;
}

/** Read-only view of one symbol's local book sync. */
export interface BinanceBookView {
  readonly symbol: string;
  readonly state: BookSyncState;
  readonly updateId: number | undefined;
  /** Flagged: a crossed book was refused and the book is being rebuilt. */
  readonly crossed: boolean;
  readonly stats: Readonly<BookSyncStats>;
  readonly book: NumericOrderBook;
}

/** A `Feed`, plus a look at the local books (inspection, health, tests). */
export interface BinanceFeed extends Feed {
  readonly exchange: 'binance';
  book(symbol: string): BinanceBookView | undefined;
}

export function createBinanceFeed(opts: BinanceFeedOptions): BinanceFeed {
  return new BinanceFeedImpl(opts);
}

class BinanceFeedImpl implements BinanceFeed {
  readonly exchange = 'binance' as const;

  private readonly opts: BinanceFeedOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly conn: Connection;
  private readonly queue: FeedQueue;
  private readonly symbols = new Set<string>();
  private readonly books = new Map<string, BinanceBookSync>();
  /** Control request id → what it asked, to explain an error reply. Bounded. */
  private readonly pending = new Map<number, string>();
  private readonly out: NormalizedMessage[] = [];
  private readonly emit: (msg: NormalizedMessage) => void;
  private nextId = 1;
  private messageCount = 0;
  private decodeErrors = 0;
  private crossedTickers = 0;
  /** Gap/resync/crossed counts of books already closed (unsubscribed). */
  private retiredGaps = 0;
  private retiredResyncs = 0;
  private retiredCrossed = 0;
  private closed = false;

  constructor(opts: BinanceFeedOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ venue: 'binance' });
    this.now = opts.now ?? Date.now;
    this.queue = new FeedQueue(opts.maxQueued ?? 100_000, () => void this.close());
    this.emit = (msg) => {
      this.messageCount++;
      this.queue.push(msg);
    };
    const wsUrl = `${opts.wsBaseUrl.replace(/\/+$/, '')}/stream`;
    const spec: ConnectionSpec = {
      name: 'binance',
      url: () => wsUrl,
      subscribeMessages: () => this.controlMessages('SUBSCRIBE', [...this.symbols]),
      heartbeat: { kind: 'server' },
      rateLimit: opts.rateLimit ?? BINANCE_RATE_LIMIT,
    };
    this.conn = new Connection({
      spec,
      handlers: {
        onFrame: (frame, ts) => this.onFrame(frame, ts),
        onStatus: (state, reason, at) => this.onStatus(state, reason, at),
      },
      logger: opts.logger,
      WebSocket: opts.WebSocket,
      now: this.now,
      backoff: opts.backoff,
      connectTimeoutMs: opts.connectTimeoutMs,
      silenceTimeoutMs: opts.staleAfterMs,
    });
    this.subscribe(opts.symbols);
  }

  messages(): AsyncIterable<NormalizedMessage> {
    const iterable = this.queue.iterate();
    if (!this.closed) this.conn.start();
    return iterable;
  }

  subscribe(symbols: string[]): void {
    if (this.closed) return;
    const added: string[] = [];
    for (const raw of symbols) {
      const symbol = toCanonicalSymbol(toBinanceSymbol(raw));
      if (this.symbols.has(symbol)) continue;
      this.symbols.add(symbol);
      added.push(symbol);
      this.books.set(symbol, this.newBook(symbol));
    }
    if (this.symbols.size * BINANCE_FEED_STREAMS.length > MAX_STREAMS) {
      this.log.warn(
        { streams: this.symbols.size * BINANCE_FEED_STREAMS.length },
        'over 1024 streams on one connection',
      );
    }
    this.sendControl('SUBSCRIBE', added);
  }

  unsubscribe(symbols: string[]): void {
    if (this.closed) return;
    const removed: string[] = [];
    for (const raw of symbols) {
      const symbol = toCanonicalSymbol(toBinanceSymbol(raw));
      if (!this.symbols.delete(symbol)) continue;
      removed.push(symbol);
      this.retireBook(symbol);
    }
    this.sendControl('UNSUBSCRIBE', removed);
  }

  stats(): FeedStats {
    const c = this.conn.stats();
    let gaps = this.retiredGaps;
    let resyncs = this.retiredResyncs;
    let crossedBooks = this.retiredCrossed;
    for (const book of this.books.values()) {
      gaps += book.stats.gaps;
      resyncs += book.stats.resyncs;
      crossedBooks += book.stats.crossed;
    }
    return {
      exchange: 'binance',
      state: c.state,
      reconnects: c.reconnects,
      messages: this.messageCount,
      frames: c.frames,
      decodeErrors: this.decodeErrors,
      gaps,
      resyncs,
      crossedBooks,
      crossedTickers: this.crossedTickers,
      lastMessageAt: c.lastFrameAt,
      latencyMs: c.latencyMs,
      dropped: this.queue.dropped,
      subscriptions: [...this.symbols],
    };
  }

  book(symbol: string): BinanceBookView | undefined {
    return this.books.get(toCanonicalSymbol(toBinanceSymbol(symbol)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.conn.close();
    for (const symbol of [...this.books.keys()]) this.retireBook(symbol);
    this.queue.end();
  }

  private newBook(symbol: string): BinanceBookSync {
    return new BinanceBookSync({
      symbol,
      restBaseUrl: this.opts.restBaseUrl,
      emit: this.emit,
      logger: this.log,
      fetch: this.opts.fetch,
      now: this.now,
      depth: this.opts.bookDepth,
      snapshotLimit: this.opts.snapshotLimit,
      backoff: this.opts.backoff,
    });
  }

  private retireBook(symbol: string): void {
    const book = this.books.get(symbol);
    if (book === undefined) return;
    book.close();
    this.retiredGaps += book.stats.gaps;
    this.retiredResyncs += book.stats.resyncs;
    this.retiredCrossed += book.stats.crossed;
    this.books.delete(symbol);
  }

  private sendControl(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', symbols: string[]): void {
    if (symbols.length === 0 || this.conn.state !== 'connected') return; // reconnect resubscribes
    const messages = this.controlMessages(method, symbols);
    for (let i = 0; i < messages.length; i++) this.conn.send(messages[i]);
  }

  private controlMessages(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', symbols: string[]): string[] {
    const streams: string[] = [];
    for (const symbol of symbols) {
      for (const kind of BINANCE_FEED_STREAMS) streams.push(binanceStreamName(symbol, kind));
    }
    const out: string[] = [];
    for (let i = 0; i < streams.length; i += STREAMS_PER_MESSAGE) {
      const params = streams.slice(i, i + STREAMS_PER_MESSAGE);
      const id = this.nextId++;
      if (this.pending.size >= 256) this.pending.delete(this.pending.keys().next().value as number);
      this.pending.set(id, `${method} ${params.join(',')}`);
      out.push(JSON.stringify({ method, params, id }));
    }
    return out;
  }

  private onFrame(frame: string, ts: number): void {
    try {
      const env = parseBinanceFrame(frame);
      const data = env.data;
      if (isDepthUpdate(data)) {
        const diff = decodeDepthUpdate(data, ts);
        this.conn.observeLatency(diff.change.timestamp, ts);
        this.books.get(diff.change.symbol)?.push(diff);
        return;
      }
      if (isKline(data)) {
        const kline = decodeKline(data, ts);
        this.conn.observeLatency(kline.bar.timestamp, ts);
        if (kline.closed) this.emit(kline.bar);
        return;
      }
      const reply = controlReplyOf(data);
      if (reply !== undefined) {
        this.onControlReply(reply);
        return;
      }
      const out = this.out;
      out.length = 0;
      normalizeBinanceEvent(data, env.stream, ts, out);
      for (let i = 0; i < out.length; i++) {
        const msg = out[i];
        // Only the validated local book publishes these; a stray bookTicker or partial depth is unchecked.
        if (msg.type === 'quote' || msg.type === 'book_snapshot') continue;
        if (msg.type === 'ticker' && msg.bid >= msg.ask && msg.ask > 0) {
          this.onCrossedTicker(msg);
          continue;
        }
        this.conn.observeLatency(msg.timestamp, ts);
        this.emit(msg);
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.decodeErrors++;
      // One warning per 1000 (the first included): a broken stream is visible without flooding.
      if (this.decodeErrors % 1000 === 1) {
        this.log.warn({ err, decodeErrors: this.decodeErrors }, 'undecodable frame skipped');
      } else {
        this.log.debug({ err }, 'undecodable frame skipped');
      }
    }
  }

  /** A ticker showing a crossed book is dropped; one warning per 1000, like undecodable frames. */
  private onCrossedTicker(ticker: Ticker): void {
    this.crossedTickers++;
    const fields = {
      symbol: ticker.symbol,
      bid: ticker.bid,
      ask: ticker.ask,
      crossedTickers: this.crossedTickers,
    };
    if (this.crossedTickers % 1000 === 1) this.log.warn(fields, 'crossed ticker dropped (bid >= ask)');
    else this.log.debug(fields, 'crossed ticker dropped (bid >= ask)');
  }

  private onControlReply(reply: BinanceControlReply): void {
    const id = typeof reply.id === 'number' ? reply.id : undefined;
    const request = id === undefined ? undefined : this.pending.get(id);
    if (id !== undefined) this.pending.delete(id);
    if (reply.kind === 'error') {
      this.log.warn({ code: reply.code, msg: reply.msg, request }, 'binance rejected a control request');
    } else {
      this.log.debug({ id: reply.id, request }, 'control request acknowledged');
    }
  }

  private onStatus(state: ConnectionStatusState, reason: string, at: number): void {
    if (state === 'disconnected') {
      // The diff stream has a hole now: every book starts over from a fresh snapshot.
      for (const book of this.books.values()) book.reset();
    }
    for (const symbol of this.symbols) {
      this.emit({
        type: 'status',
        exchange: 'binance',
        symbol,
        timestamp: at,
        localTimestamp: at,
        state,
        reason,
      });
    }
  }
}
