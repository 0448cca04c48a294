/**
 * Binance Spot wire types, REST and WebSocket, exactly as the exchange sends them
 * (prices and quantities are strings; ids and times are integers).
 */

/** `[price, quantity]`, both decimal strings. */
export type BinanceLevel = [price: string, qty: string];

/** GET /api/v3/depth */
export interface BinanceRestDepth {
  lastUpdateId: number;
  bids: BinanceLevel[];
  asks: BinanceLevel[];
}

/** One element of GET /api/v3/historicalTrades (and /api/v3/trades). */
export interface BinanceRestTrade {
  id: number;
  price: string;
  qty: string;
  quoteQty: string;
  time: number;
  isBuyerMaker: boolean;
  isBestMatch: boolean;
}

/** `<symbol>@trade` */
export interface BinanceTradeEvent {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

/** `<symbol>@aggTrade` */
export interface BinanceAggTradeEvent {
  e: 'aggTrade';
  E: number;
  s: string;
  a: number;
  p: string;
  q: string;
  f: number;
  l: number;
  T: number;
  m: boolean;
  M: boolean;
}

/** `<symbol>@depth` and `<symbol>@depth@100ms` */
export interface BinanceDepthUpdateEvent {
  e: 'depthUpdate';
  E: number;
  s: string;
  U: number;
  u: number;
  b: BinanceLevel[];
  a: BinanceLevel[];
}

/** `<symbol>@depth<5|10|20>[@100ms]`: no event type, no symbol. */
export interface BinancePartialDepthEvent {
  lastUpdateId: number;
  bids: BinanceLevel[];
  asks: BinanceLevel[];
}

/** `<symbol>@bookTicker` */
export interface BinanceBookTickerEvent {
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

/** `<symbol>@ticker` */
export interface BinanceTicker24hEvent {
  e: '24hrTicker';
  E: number;
  s: string;
  p: string;
  P: string;
  w: string;
  x: string;
  c: string;
  Q: string;
  b: string;
  B: string;
  a: string;
  A: string;
  o: string;
  h: string;
  l: string;
  v: string;
  q: string;
  O: number;
  C: number;
  F: number;
  L: number;
  n: number;
}

/** `<symbol>@miniTicker` */
export interface BinanceMiniTickerEvent {
  e: '24hrMiniTicker';
  E: number;
  s: string;
  c: string;
  o: string;
  h: string;
  l: string;
  v: string;
  q: string;
}

/**
 * `<symbol>@ticker_<1h|4h|1d>`: the rolling-window ticker, 24hrTicker's fields without prevClose,
 * last quantity or book (sent in the order e E s p P o h l c w v q O C F L n).
 */
export type BinanceRollingTickerEvent = Omit<
  BinanceTicker24hEvent,
  'e' | 'x' | 'Q' | 'b' | 'B' | 'a' | 'A'
> & {
  e: '1hTicker' | '4hTicker' | '1dTicker';
};

/** `<symbol>@avgPrice`: the average price over the last 5 minutes. */
export interface BinanceAvgPriceEvent {
  e: 'avgPrice';
  E: number;
  s: string;
  i: '5m';
  w: string;
  /** Last trade time. */
  T: number;
}

/** Kline intervals, shortest first. */
// prettier-ignore
export const BINANCE_KLINE_INTERVALS = [
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M',
] as const;
export type BinanceKlineInterval = (typeof BINANCE_KLINE_INTERVALS)[number];

/** The `k` object of a kline event. */
export interface BinanceKline {
  /** Start time. */
  t: number;
  /** Close time (start of the next interval − 1). */
  T: number;
  s: string;
  i: BinanceKlineInterval;
  /** First and last trade id; -1 when the kline has no trade. */
  f: number;
  L: number;
  o: string;
  c: string;
  h: string;
  l: string;
  v: string;
  n: number;
  /** Closed: the final push of this interval. */
  x: boolean;
  q: string;
  /** Taker-buy base and quote volume. */
  V: string;
  Q: string;
  B: string;
}

/** `<symbol>@kline_<interval>` and `<symbol>@kline_<interval>@+08:00` */
export interface BinanceKlineEvent {
  e: 'kline';
  E: number;
  s: string;
  k: BinanceKline;
}

export type BinanceStreamEvent =
  | BinanceTradeEvent
  | BinanceAggTradeEvent
  | BinanceDepthUpdateEvent
  | BinancePartialDepthEvent
  | BinanceBookTickerEvent
  | BinanceTicker24hEvent
  | BinanceMiniTickerEvent
  | BinanceRollingTickerEvent
  | BinanceAvgPriceEvent
  | BinanceKlineEvent;

/** Combined-stream envelope (`/stream?streams=…`). */
export interface BinanceCombinedFrame<T = BinanceStreamEvent> {
  stream: string;
  data: T;
}

/** Client control request on a stream connection. */
export interface BinanceControlRequest {
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'LIST_SUBSCRIPTIONS' | 'SET_PROPERTY' | 'GET_PROPERTY';
  params?: unknown[];
  id: number | string | null;
}

export interface BinanceControlResult {
  result: unknown;
  id: number | string | null;
}

export interface BinanceControlError {
  error: { code: number; msg: string };
  id?: number | string | null;
}
