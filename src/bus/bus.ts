import type { NormalizedMessage } from '../core/types.js';

/** Where a message sits in its topic's history: a rising offset plus an epoch that changes when history is lost. */
export interface StreamPosition {
  readonly offset: number;
  readonly epoch: string;
}

/** A message as it travels on the bus: the object, its JSON (serialized once, at publish) and its position. */
export interface BusMessage {
  readonly topic: string;
  readonly data: NormalizedMessage;
  readonly json: string;
  readonly position: StreamPosition;
}

export interface PublishOptions {
  readonly latestTtlMs?: number;
}

export type BusHandler = (message: BusMessage) => void;

/** What `history()` returns: messages after the requested position and where the topic stands now. */
export interface HistoryResult {
  /** Oldest first, at most `limit`. */
  readonly messages: readonly BusMessage[];
  /** The topic's latest position (offset 0 when nothing was published yet). */
  readonly position: StreamPosition;
  /** False when messages after the requested offset were already evicted (or the epoch changed): the gap cannot be filled. */
  readonly recovered: boolean;
}

/**
 * `healthy`: the bus works end to end. `degraded`: a networked bus lost its server; it keeps
 * serving what it holds locally and reconnects by itself.
 */
export type BusState = 'healthy' | 'degraded';

export interface BusStatus {
  readonly kind: 'memory' | 'redis';
  readonly state: BusState;
  /** Why it is degraded (the last connection error), when it is. */
  readonly reason?: string;
  /** Last measured round trip to the bus server, ms (networked buses). */
  readonly roundTripMs?: number;
}

/**
 * The bus between ingest and the gateway. Topics are gateway stream names
 * (`trade@BTC/USDT`, `book@binance:BTC/USDT`). Subscriptions are demand-driven: a
 * transport only listens to a topic while someone local subscribes to it.
 */
export interface Bus {
  /**
   * Publish to a topic's subscribers. With `latestTtlMs`, the message also becomes the topic's
   * latest value (stateful streams: book, ticker, quote), without serializing it twice.
   */
  publish(topic: string, data: NormalizedMessage, opts?: PublishOptions): StreamPosition;
  /** Returns the function that ends this subscription. */
  subscribe(topic: string, handler: BusHandler): () => void;
  /** Topics with at least one local subscriber. */
  activeTopics(): string[];
  /** Latest value of a topic, if one was set and has not expired. */
  getLatest(topic: string): BusMessage | undefined;
  setLatest(message: BusMessage, ttlMs: number): void;
  /**
   * Messages of `topic` after `since` (oldest first, at most `limit`): what a reconnecting client
   * missed. `recovered` is false when part of the gap is gone or `since.epoch` is not the topic's.
   */
  history(topic: string, since: StreamPosition, limit: number): Promise<HistoryResult>;
  status(): BusStatus;
  close(): Promise<void>;
}
