/** Tickstream's library surface: the pieces the CLI composes, for embedding in your own process. */
export type * from './core/types.js';
export { EXCHANGES } from './core/types.js';
export * from './core/errors.js';
export type { Bus, BusMessage, BusHandler, StreamPosition, PublishOptions } from './bus/bus.js';
export { MemoryBus } from './bus/memory.js';
export { createGateway, type Gateway } from './gateway/server.js';
export type { Feed, FeedStats } from './ingest/feed.js';
export { createBinanceFeed, type BinanceFeed, type BinanceFeedOptions } from './exchanges/binance/client.js';
export { decodeBinanceFrame, encodeBinanceEvent } from './exchanges/binance/codec.js';
export { toBinanceSymbol, toCanonicalSymbol } from './exchanges/binance/symbols.js';
export { ReplayHub, type VenueEndpoint } from './replay/hub.js';
export { createBinanceVenue } from './exchanges/binance/hub.js';
export { BinanceReplaySource } from './exchanges/binance/replay-source.js';
export { ReplayPublisher } from './replay/publisher.js';
export type { ReplayEvent, ReplaySink } from './replay/events.js';
export { generateBinanceDataset } from './exchanges/binance/generate.js';
export { loadConfig } from './config/load.js';
export { configSchema, type Config } from './config/schema.js';
