/** `tickstream/react`: hooks over the client SDK. */
export { TickstreamProvider, useTickstreamClient, type TickstreamProviderProps } from './context.js';
export {
  usePriceStream,
  type PriceStream,
  type PriceStreamOptions,
  type PriceView,
} from './use-price-stream.js';
export { useOrderBook, type OrderBookOptions, type OrderBookView } from './use-order-book.js';
export { useTrades, type TradesOptions, type TradesView } from './use-trades.js';
export { useSources, type SourcesOptions, type SourcesState } from './use-sources.js';
export { useCandles, addTrade, type Candle, type CandlesOptions } from './use-candles.js';
export { useClientStatus, type StreamStatus } from './status.js';
export type { FlushPace } from './flush-scheduler.js';
