/** `tickstream/client`: the gateway's SDK for browsers and Node. */
export { createClient, TickstreamClient, type ClientOptions, type ClientEvents } from './client.js';
export type {
  ConnectionStatus,
  MarketMessage,
  RecoveryResult,
  StreamMessage,
  StreamPosition,
  TransportKind,
} from './protocol.js';
export type { LatestPrice, LatestPrices, HealthView, SourcesView, SourceView, FetchLike } from './http.js';
export type { BackoffOptions } from './backoff.js';
export { backoffDelay } from './backoff.js';
export type { WebSocketConstructor, EventSourceConstructor } from './transport.js';
export type {
  Trade,
  Ticker,
  BookSnapshot,
  BookChange,
  Quote,
  Bar,
  Status,
  Exchange,
  Level,
} from '../core/types.js';
