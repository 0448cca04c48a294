/**
 * The one `Feed` implementation, driven by a venue's `FeedSpec` (feed-spec.ts) over the
 * reconnecting `Connection`: the subscription set, control requests batched and numbered (what
 * each asked is remembered, so an error reply is explained), the decode loop with counted decode
 * errors, one `BookSync` per symbol sharing one resync pacer, status fan-out per symbol, stats.
 *
 * With a book rule, `book_snapshot`, `book_change` and `quote` come only from the validated
 * local book, never from the wire, so they are never crossed. A ticker whose bid/ask is crossed
 * is dropped and counted.
 */
import type { BookEvent } from '../book/book-rule.js';
import { BookSync, DEFAULT_RESYNC_RATE } from '../book/book-sync.js';
import type { BookView } from '../book/book-view.js';
import { ResyncPacer } from '../book/resync-pacer.js';
import { DecodeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Exchange, NormalizedMessage, Status, Ticker } from '../core/types.js';
import type { BackoffOptions } from './backoff.js';
import type { BreakerState, CircuitBreakerOptions } from './circuit-breaker.js';
import { Connection, type ConnectionStatusState, type WebSocketCtor } from './connection.js';
import { TypedEmitter, emitMessageEvent, type FeedEventName, type FeedEvents } from './feed-events.js';
import { FeedQueue, type Feed, type FeedStats, type SymbolStats } from './feed.js';
import { StaleWatch } from './stale-watch.js';
import type { StalenessOptions } from './staleness.js';
import type { ControlOp, ControlReply, FeedSpec, FrameSink, Subscription } from './feed-spec.js';
import type { RateLimitOptions } from './rate-limiter.js';

/** How a feed's connection guards itself; every field has a default (config: README "Ingest resilience"). */
export interface ResilienceOptions {
  /** Between reconnect attempts (1 s doubling to 60 s, full jitter) and between snapshot retries. */
  readonly backoff?: BackoffOptions;
  readonly breaker?: CircuitBreakerOptions;
  /** Reconnect attempts in a row without a stable link before giving up. Default: unlimited. */
  readonly maxReconnects?: number;
  /**
   * A link up this long counts as stable (resets the backoff); while the breaker is half-open each
   * such period with data is one more success. Default 5000.
   */
  readonly stableAfterMs?: number;
  /** Adaptive per (symbol, channel) staleness. */
  readonly staleness?: StalenessOptions;
  /** How often staleness is checked while connected, ms. Default 500. */
  readonly staleCheckMs?: number;
}

export interface FeedOptions extends ResilienceOptions {
  /** Canonical symbols (`BTC/USDT`). */
  readonly symbols: readonly string[];
  /** Levels per side of the emitted `book_snapshot`s. Default 20. */
  readonly bookDepth?: number;
  readonly logger: Logger;
  readonly WebSocket?: WebSocketCtor;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** No frame or server ping for this long: the link is dead, reconnect. Default 60000. */
  readonly staleAfterMs?: number;
  readonly connectTimeoutMs?: number;
  /** Messages held for a slow consumer before the oldest are dropped. Default 100000. */
  readonly maxQueued?: number;
  /** Pace of book resyncs across all symbols; overrides the spec's. */
  readonly resyncRate?: RateLimitOptions;
}

/** A `Feed`, plus a look at the local books (inspection, health, tests). */
export interface VenueFeed extends Feed {
  book(symbol: string): BookView | undefined;
}

export function createVenueFeed<E extends BookEvent, C extends string, X extends Exchange>(
  spec: FeedSpec<E, C> & { readonly exchange: X },
  options: FeedOptions,
): VenueFeed & { readonly exchange: X } {
  return new SpecFeed(spec, options);
}

/** A feed whose frames are handed in, not read from its socket (which is never opened). */
export interface FrameDrivenFeed<X extends Exchange> extends VenueFeed {
  readonly exchange: X;
  /** One text frame through the feed's whole path (decode, book sync, delivery), as if received at `localTimestamp`. */
  ingestFrame(frame: string, localTimestamp: number): void;
}

/**
 * The feed of `spec` fed in memory: the bench times the venue's decode, normalize and book sync
 * path over captured frames without a network in the measurement. REST snapshots still go
 * through `options.fetch`. Never call `start()` or `messages()` on it: that would open the socket.
 */
export function createFrameDrivenFeed<E extends BookEvent, C extends string, X extends Exchange>(
  spec: FeedSpec<E, C> & { readonly exchange: X },
  options: FeedOptions,
): FrameDrivenFeed<X> {
  return new SpecFeed(spec, options);
}

/** Control requests remembered to explain an error reply. */
const MAX_PENDING = 256;

interface PendingRequest<C extends string> {
  readonly op: ControlOp;
  readonly subscriptions: readonly Subscription<C>[];
}

class SpecFeed<E extends BookEvent, C extends string, X extends Exchange> implements VenueFeed {
  readonly exchange: X;

  private readonly spec: FeedSpec<E, C>;
  private readonly opts: FeedOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly conn: Connection;
  private readonly queue: FeedQueue;
  private readonly pacer: ResyncPacer | undefined;
  private readonly sink: FrameSink<E>;
  private readonly emit: (msg: NormalizedMessage) => void;
  private readonly symbols = new Set<string>();
  private readonly events: TypedEmitter<FeedEvents>;
  private readonly staleWatch: StaleWatch;
  /** Messages go into the queue only once `messages()` has a consumer (events work without one). */
  private iterated = false;
  private readonly symbolMessages = new Map<string, number>();
  private readonly books = new Map<string, BookSync<E>>();
  private readonly pending = new Map<number, PendingRequest<C>>();
  private nextId = 1;
  private messageCount = 0;
  private decodeErrors = 0;
  private crossedTickers = 0;
  private rejectedRequests = 0;
  /** Counts of books already closed (unsubscribed). */
  private readonly retired = { gaps: 0, resyncs: 0, crossed: 0, checksumMismatches: 0 };
  private closed = false;

  constructor(spec: FeedSpec<E, C> & { readonly exchange: X }, opts: FeedOptions) {
    this.spec = spec;
    this.opts = opts;
    this.exchange = spec.exchange;
    this.log = opts.logger.child({ venue: spec.exchange });
    this.now = opts.now ?? Date.now;
    this.queue = new FeedQueue(opts.maxQueued ?? 100_000, () => void this.close());
    const book = spec.book;
    this.pacer =
      book === undefined
        ? undefined
        : new ResyncPacer(opts.resyncRate ?? book.resyncRate ?? DEFAULT_RESYNC_RATE, this.now);
    this.events = new TypedEmitter<FeedEvents>((err, event) => {
      this.log.error({ err, event }, 'feed event listener threw');
      if (event !== 'error') {
        const error = err instanceof Error ? err : new Error(String(err));
        this.events.emit('error', {
          exchange: this.exchange,
          kind: 'listener',
          message: error.message,
          error,
        });
      }
    });
    this.emit = (msg) => this.deliver(msg);
    this.sink = this.createSink(book !== undefined);
    this.conn = new Connection({
      spec: {
        name: spec.exchange,
        url: () => spec.url,
        subscribeMessages: () => this.controlMessages('subscribe', [...this.symbols], spec.channels),
        heartbeat: spec.heartbeat,
        auth: spec.auth,
        rateLimit: spec.rateLimit,
      },
      handlers: {
        onFrame: (frame, ts) => this.onFrame(frame, ts),
        onStatus: (state, reason, at) => this.onStatus(state, reason, at),
        onBreaker: (state, reason, at) => this.onBreaker(state, reason, at),
        onMaxReconnects: (attempts, reason, at) =>
          this.events.emit('max_reconnects_reached', { exchange: this.exchange, attempts, reason, at }),
      },
      logger: opts.logger,
      WebSocket: opts.WebSocket,
      now: this.now,
      backoff: opts.backoff,
      breaker: opts.breaker,
      maxReconnects: opts.maxReconnects,
      stableAfterMs: opts.stableAfterMs,
      connectTimeoutMs: opts.connectTimeoutMs,
      silenceTimeoutMs: opts.staleAfterMs,
    });
    this.staleWatch = new StaleWatch({
      staleness: opts.staleness,
      checkMs: opts.staleCheckMs,
      now: this.now,
      logger: this.log,
      linkState: () => this.conn.state,
      lastFrameAt: () => this.conn.stats().lastFrameAt,
      status: (symbol, state, reason, at) => this.emit(statusOf(this.exchange, symbol, state, reason, at)),
      recycle: (reason) => this.conn.drop(reason),
    });
    this.subscribe([...opts.symbols]);
  }

  messages(): AsyncIterable<NormalizedMessage> {
    const iterable = this.queue.iterate();
    this.iterated = true;
    if (!this.closed) this.conn.start();
    return iterable;
  }

  start(): void {
    if (!this.closed) this.conn.start();
  }

  on<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void {
    this.events.on(event, listener);
  }

  off<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void {
    this.events.off(event, listener);
  }

  subscribe(symbols: string[]): void {
    if (this.closed) return;
    const added: string[] = [];
    for (const raw of symbols) {
      const symbol = this.canonical(raw);
      if (this.symbols.has(symbol)) continue;
      this.symbols.add(symbol);
      added.push(symbol);
      const book = this.newBook(symbol);
      if (book !== undefined) this.books.set(symbol, book);
    }
    const max = this.spec.requests.maxSubscriptions;
    const count = this.symbols.size * this.spec.channels.length;
    if (max !== undefined && count > max) {
      this.log.warn({ subscriptions: count, max }, 'more subscriptions than one connection may hold');
    }
    this.send('subscribe', added, this.spec.channels);
  }

  unsubscribe(symbols: string[]): void {
    if (this.closed) return;
    const removed: string[] = [];
    for (const raw of symbols) {
      const symbol = this.canonical(raw);
      if (!this.symbols.delete(symbol)) continue;
      removed.push(symbol);
      this.retireBook(symbol);
      this.staleWatch.forget(symbol);
      this.symbolMessages.delete(symbol);
    }
    this.send('unsubscribe', removed, this.spec.channels);
  }

  stats(): FeedStats {
    const c = this.conn.stats();
    let { gaps, resyncs, crossed, checksumMismatches } = this.retired;
    for (const book of this.books.values()) {
      gaps += book.stats.gaps;
      resyncs += book.stats.resyncs;
      crossed += book.stats.crossed;
      checksumMismatches += book.stats.checksumMismatches;
    }
    return {
      exchange: this.exchange,
      state: c.state,
      reconnects: c.reconnects,
      messages: this.messageCount,
      frames: c.frames,
      decodeErrors: this.decodeErrors,
      gaps,
      resyncs,
      checksumMismatches,
      crossedBooks: crossed,
      crossedTickers: this.crossedTickers,
      rejectedRequests: this.rejectedRequests,
      lastMessageAt: c.lastFrameAt,
      latencyMs: c.latencyMs,
      dropped: this.queue.dropped,
      subscriptions: [...this.symbols],
      breaker: c.breaker,
      breakerFailures: c.breakerFailures,
      consecutiveErrors: c.consecutiveFailures,
      connectedSince: c.connectedSince,
      pingRttMs: c.pingRttMs,
      staleSymbols: this.staleWatch.staleSymbols(),
      quietChannels: this.staleWatch.quietChannels(),
      bySymbol: this.symbolStats(),
    };
  }

  private symbolStats(): Record<string, SymbolStats> {
    const out: Record<string, SymbolStats> = {};
    for (const symbol of this.symbols) {
      const b = this.books.get(symbol)?.stats;
      out[symbol] = {
        messages: this.symbolMessages.get(symbol) ?? 0,
        gaps: b?.gaps ?? 0,
        resyncs: b?.resyncs ?? 0,
        checksumMismatches: b?.checksumMismatches ?? 0,
        crossedBooks: b?.crossed ?? 0,
      };
    }
    return out;
  }

  book(symbol: string): BookView | undefined {
    return this.books.get(this.canonical(symbol));
  }

  ingestFrame(frame: string, localTimestamp: number): void {
    if (!this.closed) this.onFrame(frame, localTimestamp);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.staleWatch.stop();
    await this.conn.close();
    this.staleWatch.stop();
    for (const symbol of [...this.books.keys()]) this.retireBook(symbol);
    this.pacer?.close();
    this.queue.end();
    this.events.removeAll();
  }

  /** Every message leaves through here: counted, watched for staleness, to listeners and the queue. */
  private deliver(msg: NormalizedMessage): void {
    this.messageCount++;
    const symbol = msg.symbol;
    this.symbolMessages.set(symbol, (this.symbolMessages.get(symbol) ?? 0) + 1);
    if (this.iterated) this.queue.push(msg);
    emitMessageEvent(this.events, msg);
    if (msg.type !== 'status') this.staleWatch.observe(msg);
  }

  private onBreaker(state: BreakerState, reason: string, at: number): void {
    this.statusToAll(this.conn.state, `circuit breaker ${state}: ${reason}`, at);
  }

  private statusToAll(state: Status['state'], reason: string, at: number): void {
    for (const symbol of this.symbols) this.emit(statusOf(this.exchange, symbol, state, reason, at));
  }

  private canonical(raw: string): string {
    return this.spec.symbols.toCanonical(this.spec.symbols.toNative(raw));
  }

  private newBook(symbol: string): BookSync<E> | undefined {
    const book = this.spec.book;
    if (book === undefined) return undefined;
    return new BookSync({
      exchange: this.exchange,
      symbol,
      rule: book.rule,
      emit: this.emit,
      logger: this.log,
      fetch: this.opts.fetch,
      resubscribe: () => this.resubscribeBook(symbol, book.channel),
      pacer: this.pacer,
      now: this.now,
      depth: this.opts.bookDepth,
      backoff: this.opts.backoff,
    });
  }

  private retireBook(symbol: string): void {
    const book = this.books.get(symbol);
    if (book === undefined) return;
    book.close();
    const r = this.retired;
    r.gaps += book.stats.gaps;
    r.resyncs += book.stats.resyncs;
    r.crossed += book.stats.crossed;
    r.checksumMismatches += book.stats.checksumMismatches;
    this.books.delete(symbol);
  }

  /** A book asks for a fresh stream snapshot: unsubscribe and subscribe its channel again. */
  private resubscribeBook(symbol: string, channel: C): void {
    if (!this.symbols.has(symbol)) return;
    this.send('unsubscribe', [symbol], [channel]);
    this.send('subscribe', [symbol], [channel]);
  }

  private send(op: ControlOp, symbols: readonly string[], channels: readonly C[]): void {
    if (symbols.length === 0 || this.conn.state !== 'connected') return; // a reconnect resubscribes
    const messages = this.controlMessages(op, symbols, channels);
    for (let i = 0; i < messages.length; i++) this.conn.send(messages[i]);
  }

  /** Every (symbol, channel) pair, symbol by symbol (or channel by channel), in messages of at most `maxPerMessage`. */
  private controlMessages(op: ControlOp, symbols: readonly string[], channels: readonly C[]): string[] {
    const { maxPerMessage, oneChannelPerMessage = false } = this.spec.requests;
    const out: string[] = [];
    let batch: Subscription<C>[] = [];
    const add = (symbol: string, channel: C): void => {
      if (
        batch.length >= maxPerMessage ||
        (oneChannelPerMessage && batch.length > 0 && batch[0].channel !== channel)
      ) {
        out.push(this.request(op, batch));
        batch = [];
      }
      batch.push({ symbol, native: this.spec.symbols.toNative(symbol), channel });
    };
    if (oneChannelPerMessage) {
      for (const channel of channels) for (const symbol of symbols) add(symbol, channel);
    } else {
      for (const symbol of symbols) for (const channel of channels) add(symbol, channel);
    }
    if (batch.length > 0) out.push(this.request(op, batch));
    return out;
  }

  private request(op: ControlOp, subscriptions: readonly Subscription<C>[]): string {
    const id = this.nextId++;
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as number);
    this.pending.set(id, { op, subscriptions });
    return this.spec.controlMessage(op, subscriptions, id);
  }

  private createSink(hasBook: boolean): FrameSink<E> {
    return {
      message: (msg) => {
        // Only the validated local book publishes these; a wire quote or partial depth is unchecked.
        if (hasBook && (msg.type === 'quote' || msg.type === 'book_snapshot' || msg.type === 'book_change')) {
          return;
        }
        if (msg.type === 'ticker' && msg.bid >= msg.ask && msg.ask > 0) {
          this.onCrossedTicker(msg);
          return;
        }
        this.conn.observeLatency(msg.timestamp, msg.localTimestamp);
        this.emit(msg);
      },
      book: (event) => {
        const change = event.change;
        this.conn.observeLatency(change.timestamp, change.localTimestamp);
        this.books.get(change.symbol)?.push(event);
      },
      reply: (reply) => this.onReply(reply),
      subscribed: () => [...this.symbols],
      disconnect: (reason, retry) => this.conn.drop(reason, retry),
    };
  }

  private onFrame(frame: string, ts: number): void {
    try {
      this.spec.decode(frame, ts, this.sink);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.decodeErrors++;
      this.events.emit('error', {
        exchange: this.exchange,
        kind: 'decode',
        message: err.message,
        error: err,
      });
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

  /** Requests stay remembered after a first reply: some venues answer once per symbol (Kraken). */
  private onReply(reply: ControlReply): void {
    const pending = reply.id === undefined ? undefined : this.pending.get(reply.id);
    const request =
      pending === undefined
        ? undefined
        : `${pending.op} ${pending.subscriptions.map((s) => `${s.symbol} ${s.channel}`).join(', ')}`;
    if (reply.ok) {
      this.log.debug({ id: reply.id, request }, 'control request acknowledged');
    } else {
      this.rejectedRequests++;
      this.events.emit('error', {
        exchange: this.exchange,
        kind: 'rejected',
        message: `${this.exchange} rejected ${request ?? 'a control request'}: ${String(reply.message ?? reply.code)}`,
      });
      this.log.warn(
        { id: reply.id, code: reply.code, reason: reply.message, request },
        `${this.exchange} rejected a control request`,
      );
    }
  }

  private onStatus(state: ConnectionStatusState, reason: string, at: number): void {
    if (state === 'disconnected') {
      // The stream has a hole now: every book starts over from a fresh snapshot.
      for (const book of this.books.values()) book.reset();
      this.staleWatch.stop();
    } else if (state === 'connected') {
      this.staleWatch.start();
    }
    this.statusToAll(state, reason, at);
    if (state === 'connected') this.events.emit('connected', { exchange: this.exchange, reason, at });
    else if (state === 'disconnected')
      this.events.emit('disconnected', { exchange: this.exchange, reason, at });
  }
}

function statusOf(
  exchange: Exchange,
  symbol: string,
  state: Status['state'],
  reason: string,
  at: number,
): Status {
  return { type: 'status', exchange, symbol, timestamp: at, localTimestamp: at, state, reason };
}
