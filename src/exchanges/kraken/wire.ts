/**
 * Kraken Spot wire types: WebSocket v2 (`wss://ws.kraken.com/v2`) and the public REST
 * endpoints (`https://api.kraken.com/0/public/…`), exactly as the exchange sends them.
 *
 * Sources, by tag: [doc] docs.kraken.com (book, ticker, ohlc, trade, status, heartbeat, ping,
 * Book checksum v2, REST market data pages); [capture] frames recorded from the live venue and
 * published in public repositories (2024-05 … 2026-09, server version 2.0.7 … 2.0.10), read by
 * hand; [fixture] the real data in ./fixtures; [unconfirmed] nothing better than the field list.
 *
 * v2 puts prices and quantities on the wire as JSON numbers written with the pair's fixed
 * precision (`"qty":0.10000000`, `"price":62807.0`) [fixture, capture]; REST writes them as
 * decimal strings. Method responses (acks, pong) carry their keys in alphabetical order
 * [capture]; channel messages in the order declared below [capture].
 */

// ---- WebSocket v2: client requests ----

export type KrakenChannel = 'book' | 'trade' | 'ticker' | 'ohlc';
export type KrakenBookDepth = 10 | 25 | 100 | 500 | 1000;
/** Candle length in minutes. */
export type KrakenOhlcInterval = 1 | 5 | 15 | 30 | 60 | 240 | 1440 | 10080 | 21600;
export type KrakenEventTrigger = 'trades' | 'bbo';

export const KRAKEN_BOOK_DEPTHS: readonly KrakenBookDepth[] = [10, 25, 100, 500, 1000];
export const KRAKEN_OHLC_INTERVALS: readonly KrakenOhlcInterval[] = [
  1, 5, 15, 30, 60, 240, 1440, 10080, 21600,
];

/** `book`: depth defaults to 10, snapshot to true [doc]; any other depth is refused [capture]. */
export interface KrakenBookParams {
  channel: 'book';
  symbol: string[];
  depth?: KrakenBookDepth;
  snapshot?: boolean;
}

/** `ticker`: event_trigger defaults to `trades` [doc]. */
export interface KrakenTickerParams {
  channel: 'ticker';
  symbol: string[];
  event_trigger?: KrakenEventTrigger;
  snapshot?: boolean;
}

export interface KrakenTradeParams {
  channel: 'trade';
  symbol: string[];
  snapshot?: boolean;
}

/** `ohlc`: interval defaults to 1 [doc]. */
export interface KrakenOhlcParams {
  channel: 'ohlc';
  symbol: string[];
  interval?: KrakenOhlcInterval;
  snapshot?: boolean;
}

export type KrakenChannelParams =
  KrakenBookParams | KrakenTickerParams | KrakenTradeParams | KrakenOhlcParams;

/** `{"method":"subscribe","params":{…},"req_id":1}`; unsubscribe takes the same params. */
export interface KrakenSubscriptionRequest {
  method: 'subscribe' | 'unsubscribe';
  params: KrakenChannelParams;
  req_id?: number;
}

/** Application-level ping (distinct from WebSocket ping frames). */
export interface KrakenPingRequest {
  method: 'ping';
  req_id?: number;
}

// ---- WebSocket v2: method responses (keys alphabetical) ----

/** The subscription an ack confirms: the request's params for one symbol [capture]. */
export interface KrakenAckResult {
  channel: KrakenChannel;
  depth?: KrakenBookDepth;
  event_trigger?: KrakenEventTrigger;
  interval?: KrakenOhlcInterval;
  /** Present on subscribe acks, absent on unsubscribe acks [capture]. */
  snapshot?: boolean;
  symbol: string;
  /** e.g. `["timestamp is deprecated, use interval_begin"]` on every ohlc subscribe [capture]. */
  warnings?: string[];
}

/** One ack per symbol of the request [doc]. */
export interface KrakenAckSuccess {
  method: 'subscribe' | 'unsubscribe';
  req_id?: number;
  result: KrakenAckResult;
  success: true;
  /** RFC3339, µs: `2024-05-19T16:27:13.694962Z`. */
  time_in: string;
  time_out: string;
}

/**
 * A refused request, e.g. `Currency pair not supported XBT/USD` (with `symbol`) or
 * `Subscription depth not supported` (without) [capture].
 */
export interface KrakenAckFailure {
  error: string;
  method: 'subscribe' | 'unsubscribe';
  req_id?: number;
  success: false;
  symbol?: string;
  time_in: string;
  time_out: string;
}

/** Error texts observed from the live venue [capture]. */
export const KRAKEN_ERRORS = {
  pairNotSupported: (symbol: string): string => `Currency pair not supported ${symbol}`,
  pairNotIso: (symbol: string): string => `Currency pair not in ISO 4217-A3 format ${symbol}`,
  depthNotSupported: 'Subscription depth not supported',
} as const;

export interface KrakenPong {
  method: 'pong';
  req_id?: number;
  time_in: string;
  time_out: string;
}

// ---- WebSocket v2: channel messages ----

/** `{"channel":"heartbeat"}`, about once a second while nothing else is sent [doc, capture]. */
export interface KrakenHeartbeat {
  channel: 'heartbeat';
}

export type KrakenSystemState = 'online' | 'cancel_only' | 'maintenance' | 'post_only';

/** The first frame of every connection [capture: server 2.0.10, 2026-09]. */
export interface KrakenSystemStatus {
  version: string;
  system: KrakenSystemState;
  api_version: 'v2';
  /** Larger than 2^53: read its digits from the frame text, never from the parsed number. */
  connection_id: number;
  upcoming_maintenance?: unknown[];
  emergency?: unknown[];
}

export interface KrakenStatusMessage {
  channel: 'status';
  type: 'update';
  data: KrakenSystemStatus[];
}

export type KrakenMessageType = 'snapshot' | 'update';

export interface KrakenTrade {
  symbol: string;
  /** Taker side. */
  side: 'buy' | 'sell';
  price: number;
  qty: number;
  ord_type: 'limit' | 'market';
  /** Sequential per pair. */
  trade_id: number;
  timestamp: string;
}

/** A `trade` snapshot carries the most recent trades (50 [unconfirmed]). */
export interface KrakenTradeMessage {
  channel: 'trade';
  type: KrakenMessageType;
  data: KrakenTrade[];
}

export interface KrakenBookLevel {
  price: number;
  qty: number;
}

/**
 * Snapshot and update share the shape [capture]. Snapshot levels are best first; an update's
 * are in no order; qty 0 removes a level. `checksum` is over the top 10 after the update
 * (./checksum.ts).
 */
export interface KrakenBook {
  symbol: string;
  bids: KrakenBookLevel[];
  asks: KrakenBookLevel[];
  checksum: number;
  timestamp: string;
}

export interface KrakenBookMessage {
  channel: 'book';
  type: KrakenMessageType;
  data: KrakenBook[];
}

/**
 * 24 h rolling figures; `change` = last − open, `change_pct` with 2 decimals. `trades` (24 h
 * trade count) and `timestamp` are in live frames [capture, 2026-09] but not in older docs.
 */
export interface KrakenTicker {
  symbol: string;
  bid: number;
  bid_qty: number;
  ask: number;
  ask_qty: number;
  last: number;
  volume: number;
  vwap: number;
  low: number;
  high: number;
  change: number;
  change_pct: number;
  trades?: number;
  timestamp?: string;
}

export interface KrakenTickerMessage {
  channel: 'ticker';
  type: KrakenMessageType;
  data: KrakenTicker[];
}

/** One candle; the snapshot holds recent candles oldest first, an update the open one [capture]. */
export interface KrakenOhlc {
  symbol: string;
  open: number;
  high: number;
  low: number;
  close: number;
  trades: number;
  volume: number;
  vwap: number;
  /** Candle start, RFC3339 with 9 fraction digits [capture]. */
  interval_begin: string;
  interval: KrakenOhlcInterval;
  /** Candle end (deprecated), 6 fraction digits [capture]. */
  timestamp: string;
}

export interface KrakenOhlcMessage {
  channel: 'ohlc';
  type: KrakenMessageType;
  /** Send time, RFC3339 with 9 fraction digits [capture]. */
  timestamp: string;
  data: KrakenOhlc[];
}

export type KrakenServerMessage =
  | KrakenHeartbeat
  | KrakenStatusMessage
  | KrakenTradeMessage
  | KrakenBookMessage
  | KrakenTickerMessage
  | KrakenOhlcMessage
  | KrakenAckSuccess
  | KrakenAckFailure
  | KrakenPong;

// ---- REST: https://api.kraken.com/0/public/… ----

/**
 * Every REST body: `{"error":[],"result":…}`. Failures come with HTTP 200 and error strings
 * such as `EQuery:Unknown asset pair` [capture], `result` then absent or null.
 */
export interface KrakenRestResponse<T> {
  error: string[];
  result?: T | null;
}

/** `/0/public/Time` [doc]. */
export interface KrakenRestTime {
  unixtime: number;
  /** e.g. `Thu, 06 Jul 23 18:50:48 +0000`. */
  rfc1123: string;
}

/** `/0/public/SystemStatus` [doc]. */
export interface KrakenRestSystemStatus {
  status: KrakenSystemState;
  /** RFC3339, seconds: `2023-07-06T18:52:00Z`. */
  timestamp: string;
}

/** One entry of `/0/public/Assets`, keyed by asset id (`XXBT`, `ZUSD`) [capture]. */
export interface KrakenRestAsset {
  aclass: string;
  altname: string;
  decimals: number;
  display_decimals: number;
  collateral_value?: number;
  status?: string;
  margin_rate?: string;
}

/**
 * One entry of `/0/public/AssetPairs`, keyed by the pair's internal name (`XXBTZUSD`). The
 * fields up to `ordermin` are the 2021 response [fixture]; the optional ones were added since
 * [capture, 2026-09].
 */
export interface KrakenRestAssetPair {
  altname: string;
  /** The v1 WebSocket name (`XBT/USD`); v2 refuses it and wants `BTC/USD` [capture]. */
  wsname?: string;
  aclass_base: string;
  base: string;
  aclass_quote: string;
  quote: string;
  lot: string;
  cost_decimals?: number;
  /** Price precision: the decimals of every v2 price of the pair. */
  pair_decimals: number;
  /** Quantity precision: the decimals of every v2 quantity of the pair. */
  lot_decimals: number;
  lot_multiplier: number;
  leverage_buy: number[];
  leverage_sell: number[];
  fees: [volume: number, percent: number][];
  fees_maker: [volume: number, percent: number][];
  fee_volume_currency: string;
  margin_call: number;
  margin_stop: number;
  ordermin: string;
  costmin?: string;
  tick_size?: string;
  status?: string;
}

/**
 * `/0/public/Ticker` entry [capture]: a/b `[price, whole lot volume, lot volume]`, c `[price,
 * lot volume]`, and `[today, last 24 h]` pairs for v (volume), p (vwap), t (trade count), l, h.
 */
export interface KrakenRestTicker {
  a: [price: string, wholeLotVolume: string, lotVolume: string];
  b: [price: string, wholeLotVolume: string, lotVolume: string];
  c: [price: string, lotVolume: string];
  v: [today: string, last24h: string];
  p: [today: string, last24h: string];
  t: [today: number, last24h: number];
  l: [today: string, last24h: string];
  h: [today: string, last24h: string];
  o: string;
}

/**
 * `/0/public/Depth?pair=XBTUSD&count=N` (N 1..500, default 100) level: price as a string
 * with 5 decimals, volume with 3, the level's last change in unix seconds [capture: 2015, 2018,
 * 2022; not re-checked against a current response]. A level under 0.0005 thus reads "0.000".
 */
export type KrakenRestDepthLevel = [price: string, volume: string, timestamp: number];

export interface KrakenRestDepthBook {
  asks: KrakenRestDepthLevel[];
  bids: KrakenRestDepthLevel[];
}

/** `result` of Depth: one book under the pair's internal name (`XXBTZUSD`). */
export type KrakenRestDepthResult = Record<string, KrakenRestDepthBook>;

/**
 * `/0/public/Trades?pair=XBTUSD&since=<ns>&count=N` row [capture]: price (5 decimals) and
 * volume (lot decimals) as strings, time in fractional unix seconds, side `b`/`s` (taker), order
 * type `m`/`l`, misc (usually empty), trade id.
 */
export type KrakenRestTradeRow = [
  price: string,
  volume: string,
  time: number,
  side: 'b' | 's',
  ordType: 'm' | 'l',
  misc: string,
  tradeId: number,
];

/** `result` of Trades: the rows under the pair's internal name, and `last`, the next cursor (ns). */
export interface KrakenRestTradesResult {
  readonly last: string;
  readonly [pair: string]: KrakenRestTradeRow[] | string;
}
