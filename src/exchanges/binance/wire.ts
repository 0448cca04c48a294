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

export type BinanceStreamEvent =
  | BinanceTradeEvent
  | BinanceAggTradeEvent
  | BinanceDepthUpdateEvent
  | BinancePartialDepthEvent
  | BinanceBookTickerEvent
  | BinanceTicker24hEvent
  | BinanceMiniTickerEvent;

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
