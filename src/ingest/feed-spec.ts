/**
 * What a venue declares to get a live feed: its connection (url, heartbeat, rate limit, auth),
 * the channels it subscribes per symbol and how one control message is written, how a frame
 * decodes, its symbol map, and optionally its book rule. `createVenueFeed` (venue-feed.ts) runs
 * it: connection, batching and request ids, subscription set, book lifecycle, stats, statuses.
 * As tardis-node's RealTimeFeedBase: a venue is data and pure functions, never a subclass.
 */
import type { BookEvent, BookRule } from '../book/book-rule.js';
import type { Exchange, NormalizedMessage } from '../core/types.js';
import type { ConnectionAuth, Heartbeat, RetryPolicy } from './connection.js';
import type { RateLimitOptions } from './rate-limiter.js';

export type ControlOp = 'subscribe' | 'unsubscribe';

/** One (symbol, channel) pair of a control request. */
export interface Subscription<C extends string> {
  /** Canonical (`BTC/USDT`). */
  readonly symbol: string;
  /** The venue's own spelling (`BTCUSDT`). */
  readonly native: string;
  readonly channel: C;
}

/** A venue's answer to a control request. */
export interface ControlReply {
  readonly ok: boolean;
  /** The request id echoed back; undefined when the reply carries none. */
  readonly id: number | undefined;
  /** When not ok: the venue's error code and text. */
  readonly code?: number | string;
  readonly message?: string;
}

/** Where `decode` puts what a frame holds; one sink per feed, built once. */
export interface FrameSink<E extends BookEvent> {
  /** A normalized trade, ticker, bar, … (with a book rule, wire quotes and books are ignored). */
  message(msg: NormalizedMessage): void;
  /** A book snapshot or update, for the symbol's book sync. */
  book(event: E): void;
  reply(reply: ControlReply): void;
  /** Canonical symbols subscribed now, for a venue-wide frame that concerns each (Kraken's system status). */
  subscribed(): readonly string[];
  /** The venue says this link is over (Alpaca's `slow client`): drop it, `retry` says what follows. */
  disconnect(reason: string, retry?: RetryPolicy): void;
}

/** Canonical ↔ native symbols. `toNative` throws on a symbol the venue cannot spell. */
export interface SymbolMap {
  toNative(canonical: string): string;
  toCanonical(native: string): string;
}

export interface RequestLimits {
  /** Subscriptions per control message. */
  readonly maxPerMessage: number;
  /** Each message names one channel (Kraken's `params.channel`): subscriptions are grouped by channel. */
  readonly oneChannelPerMessage?: boolean;
  /** Subscriptions one connection may hold; beyond it a warning is logged (Binance: 1024 streams). */
  readonly maxSubscriptions?: number;
}

export interface FeedBookSpec<E extends BookEvent, C extends string> {
  readonly rule: BookRule<E>;
  /** The channel carrying the book; a `resubscribe` rule resubscribes it alone. */
  readonly channel: C;
  /** Pace of snapshot fetches and resubscriptions across all the feed's symbols. */
  readonly resyncRate?: RateLimitOptions;
}

export interface FeedSpec<E extends BookEvent, C extends string> {
  readonly exchange: Exchange;
  readonly url: string;
  readonly heartbeat: Heartbeat;
  readonly auth?: ConnectionAuth;
  /** Outgoing message limit; unlimited when omitted. */
  readonly rateLimit?: RateLimitOptions;
  readonly symbols: SymbolMap;
  /** Channels subscribed for every symbol, in this order. */
  readonly channels: readonly C[];
  readonly requests: RequestLimits;
  /** One control message: `op` over `subscriptions` (never empty), tagged with request id `id`. */
  controlMessage(op: ControlOp, subscriptions: readonly Subscription<C>[], id: number): string;
  /** Decode one text frame into the sink; throws `DecodeError` on bad input (counted, skipped). */
  decode(frame: string, localTimestamp: number, sink: FrameSink<E>): void;
  readonly book?: FeedBookSpec<E, C>;
}
