/**
 * The exchange-agnostic face of an ingest client. Every venue's feed is `createVenueFeed` (venue-feed.ts)
 * over its `FeedSpec`; the aggregator and the gateway see only this.
 */
import type { Exchange, FeedState, NormalizedMessage } from '../core/types.js';
import type { BreakerState } from './circuit-breaker.js';
import type { FeedEventName, FeedEvents } from './feed-events.js';

/** One subscribed symbol's integrity counters (books: 0 for a venue without one). */
export interface SymbolStats {
  /** Normalized messages emitted for the symbol (status items included). */
  readonly messages: number;
  readonly gaps: number;
  readonly resyncs: number;
  readonly checksumMismatches: number;
  readonly crossedBooks: number;
}

export interface FeedStats {
  readonly exchange: Exchange;
  readonly state: FeedState;
  /** Connection attempts after the first. */
  readonly reconnects: number;
  /** Normalized messages emitted (status items included). */
  readonly messages: number;
  /** Raw frames received. */
  readonly frames: number;
  /** Frames that failed to decode (counted, logged at debug, then skipped). */
  readonly decodeErrors: number;
  /** Book sequence gaps seen. */
  readonly gaps: number;
  /** Book resyncs from a fresh snapshot after a gap, a checksum mismatch or a crossed book. */
  readonly resyncs: number;
  /** Book checksums that disagreed with the local book (each resyncs). */
  readonly checksumMismatches: number;
  /** Local book states refused because best bid >= best ask (never published; each resyncs). */
  readonly crossedBooks: number;
  /** Tickers dropped because their bid >= ask. */
  readonly crossedTickers: number;
  /** Control requests the venue refused (error replies: unknown symbol, symbol limit, …). */
  readonly rejectedRequests: number;
  /** Local receipt time of the last frame, ms. */
  readonly lastMessageAt: number | undefined;
  /** Smoothed local receipt time minus exchange time, ms. */
  readonly latencyMs: number | undefined;
  /** Messages dropped because the consumer fell more than `maxQueued` behind. */
  readonly dropped: number;
  /** Canonical symbols currently subscribed. */
  readonly subscriptions: readonly string[];
  /** The connection's circuit breaker (a group: the worst of its parts). */
  readonly breaker: BreakerState;
  /** The breaker's failed attempts in a row towards opening (a group: the most of its parts). */
  readonly breakerFailures: number;
  /** Failed connection attempts since the last one that got connected (a group: the most of its parts). */
  readonly consecutiveErrors: number;
  /** When the connection got connected, ms; undefined while it is not (a group: its last part to connect). */
  readonly connectedSince: number | undefined;
  /** Round trip of the last answered heartbeat ping, ms; undefined for server-driven heartbeats. */
  readonly pingRttMs: number | undefined;
  /** Symbols silent on every channel past their adaptive threshold. */
  readonly staleSymbols: readonly string[];
  /**
   * `<symbol> <channel>` pairs silent past their own threshold (a lull of trades while the book
   * moves, or a dead subscription): for looking into, not an alert.
   */
  readonly quietChannels: readonly string[];
  /** Per subscribed symbol. */
  readonly bySymbol: Readonly<Record<string, SymbolStats>>;
}

export interface Feed {
  readonly exchange: Exchange;
  /**
   * trade, book_change, book_snapshot (top N), ticker, quote and status messages. One consumer;
   * the first call starts the connection, and leaving the loop (`break`/`return()`) closes the feed.
   */
  messages(): AsyncIterable<NormalizedMessage>;
  subscribe(symbols: string[]): void;
  unsubscribe(symbols: string[]): void;
  stats(): FeedStats;
  /**
   * Typed events over the same messages as `messages()` (`trade`, `ticker`, `book`, `status`) and
   * the link's (`connected`, `disconnected`, `error`, `max_reconnects_reached`). Listening does
   * not start the connection: `messages()` or `start()` does.
   */
  on<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void;
  off<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void;
  /**
   * Open the connection without an iterator consumer (events only); `messages()` does it too.
   * Messages are queued for `messages()` only from its first call on.
   */
  start(): void;
  /** Close for good: no reconnect, timers cleared; `messages()` ends after the final status. */
  close(): Promise<void>;
}

/**
 * Single-consumer queue from synchronous producers (socket handlers) to one `for await`
 * loop. Bounded: past `maxQueued` the oldest message is dropped and counted, so a stalled
 * consumer never grows memory without limit. Drained by index and reset, not shifted.
 */
export class FeedQueue {
  private buffer: NormalizedMessage[] = [];
  private head = 0;
  private wake: (() => void) | undefined = undefined;
  private ended = false;
  private iterating = false;
  private droppedCount = 0;
  private readonly maxQueued: number;
  private readonly onReturn: () => void;

  /** `onReturn` runs when the consumer leaves the loop early (break, return, throw). */
  constructor(maxQueued: number, onReturn: () => void) {
    this.maxQueued = maxQueued;
    this.onReturn = onReturn;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get size(): number {
    return this.buffer.length - this.head;
  }

  push(msg: NormalizedMessage): void {
    if (this.ended) return;
    if (this.buffer.length - this.head >= this.maxQueued) {
      this.head++;
      this.droppedCount++;
    }
    this.buffer.push(msg);
    const wake = this.wake;
    if (wake !== undefined) {
      this.wake = undefined;
      wake();
    }
  }

  /** No more messages: the consumer's loop ends once the queue is drained. */
  end(): void {
    this.ended = true;
    const wake = this.wake;
    if (wake !== undefined) {
      this.wake = undefined;
      wake();
    }
  }

  /** The one consumer's iterable; a second concurrent consumer is an error. */
  iterate(): AsyncIterable<NormalizedMessage> {
    if (this.iterating) throw new Error('feed messages() already has a consumer');
    this.iterating = true;
    return this.drain();
  }

  private async *drain(): AsyncGenerator<NormalizedMessage> {
    let completed = false;
    try {
      while (true) {
        while (this.head < this.buffer.length) {
          const msg = this.buffer[this.head++];
          yield msg;
          if (this.head >= 8192) {
            // A consumer that never quite catches up: drop the consumed prefix (amortized O(1)).
            this.buffer = this.buffer.slice(this.head);
            this.head = 0;
          }
        }
        this.buffer = [];
        this.head = 0;
        if (this.ended) {
          completed = true;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.iterating = false;
      if (!completed) this.onReturn();
    }
  }
}
