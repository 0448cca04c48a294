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
  close(): Promise<void>;
}
