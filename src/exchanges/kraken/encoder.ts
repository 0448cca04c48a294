/**
 * Kraken Spot WebSocket v2 encoder: the frames the replay hub sends, built from plain inputs,
 * and the requests an ingest sends. Output is the frame text itself, byte-shaped like Kraken's:
 * its key order, and prices / quantities as JSON numbers with the pair's fixed precision
 * (`"qty":0.10000000`), which JSON.stringify cannot write. Inverse of codec.ts (tested there).
 *
 * Decimal inputs are exact text (`"83930.30000"` becomes `83930.3` at precision 1; losing a
 * non-zero digit is an error) or numbers (rounded). Times are ms since epoch; a fraction carries µs.
 */
import { TickstreamError } from '../../core/errors.js';
import type { KrakenPrecision } from './checksum.js';
import { formatKrakenTime, toFixedText, type DecimalInput } from './wire-format.js';
import type {
  KrakenAckResult,
  KrakenChannelParams,
  KrakenMessageType,
  KrakenOhlcInterval,
  KrakenSystemState,
} from './wire.js';

export type KrakenLevelInput = readonly [price: DecimalInput, qty: DecimalInput];

export interface KrakenBookInput {
  readonly symbol: string;
  readonly bids: readonly KrakenLevelInput[];
  readonly asks: readonly KrakenLevelInput[];
  /** Of the sender's book after this message (checksum.ts). */
  readonly checksum: number;
  readonly timestamp: number;
}

export interface KrakenTradeInput {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly price: DecimalInput;
  readonly qty: DecimalInput;
  readonly ordType: 'limit' | 'market';
  readonly tradeId: number;
  readonly timestamp: number;
}

/** 24 h figures; `change` = last − open in price units, `changePct` in percent. */
export interface KrakenTickerInput {
  readonly symbol: string;
  readonly bid: DecimalInput;
  readonly bidQty: DecimalInput;
  readonly ask: DecimalInput;
  readonly askQty: DecimalInput;
  readonly last: DecimalInput;
  readonly volume: DecimalInput;
  readonly vwap: DecimalInput;
  readonly low: DecimalInput;
  readonly high: DecimalInput;
  readonly change: DecimalInput;
  readonly changePct: DecimalInput;
  readonly trades: number;
  readonly timestamp: number;
}

export interface KrakenOhlcInput {
  readonly symbol: string;
  readonly open: DecimalInput;
  readonly high: DecimalInput;
  readonly low: DecimalInput;
  readonly close: DecimalInput;
  readonly trades: number;
  readonly volume: DecimalInput;
  readonly vwap: DecimalInput;
  /** Candle start, ms. Its end (the deprecated row `timestamp`) follows from `interval`. */
  readonly intervalBegin: number;
  readonly interval: KrakenOhlcInterval;
}

/** `change_pct` is written with 2 decimals [capture]. */
const PERCENT_DECIMALS = 2;

export const KRAKEN_HEARTBEAT_FRAME = '{"channel":"heartbeat"}';

function head(channel: string, type: KrakenMessageType): string {
  return `{"channel":"${channel}","type":"${type}"`;
}

function count(n: number, field: string): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TickstreamError('ERR_ENCODE', `kraken: ${field} ${n} is not a non-negative integer`);
  }
  return String(n);
}

function encodeLevels(levels: readonly KrakenLevelInput[], p: KrakenPrecision, side: string): string {
  let out = '[';
  for (let i = 0; i < levels.length; i++) {
    if (i > 0) out += ',';
    out += `{"price":${toFixedText(levels[i][0], p.priceDecimals, `${side} price`)}`;
    out += `,"qty":${toFixedText(levels[i][1], p.qtyDecimals, `${side} qty`)}}`;
  }
  return out + ']';
}

/** A `book` snapshot or update. */
export function encodeKrakenBook(type: KrakenMessageType, book: KrakenBookInput, p: KrakenPrecision): string {
  return (
    `${head('book', type)},"data":[{"symbol":${JSON.stringify(book.symbol)}` +
    `,"bids":${encodeLevels(book.bids, p, 'bid')},"asks":${encodeLevels(book.asks, p, 'ask')}` +
    `,"checksum":${count(book.checksum, 'checksum')},"timestamp":"${formatKrakenTime(book.timestamp)}"}]}`
  );
}

/** A `trade` snapshot or update of one pair's trades. */
export function encodeKrakenTrades(
  type: KrakenMessageType,
  trades: readonly KrakenTradeInput[],
  p: KrakenPrecision,
): string {
  let data = '';
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    data +=
      `${i > 0 ? ',' : ''}{"symbol":${JSON.stringify(t.symbol)},"side":"${t.side}"` +
      `,"price":${toFixedText(t.price, p.priceDecimals, 'trade price')}` +
      `,"qty":${toFixedText(t.qty, p.qtyDecimals, 'trade qty')},"ord_type":"${t.ordType}"` +
      `,"trade_id":${count(t.tradeId, 'trade_id')},"timestamp":"${formatKrakenTime(t.timestamp)}"}`;
  }
  return `${head('trade', type)},"data":[${data}]}`;
}

/** A `ticker` snapshot or update. */
export function encodeKrakenTicker(
  type: KrakenMessageType,
  t: KrakenTickerInput,
  p: KrakenPrecision,
): string {
  const price = (v: DecimalInput, field: string): string =>
    toFixedText(v, p.priceDecimals, `ticker ${field}`);
  const qty = (v: DecimalInput, field: string): string => toFixedText(v, p.qtyDecimals, `ticker ${field}`);
  return (
    `${head('ticker', type)},"data":[{"symbol":${JSON.stringify(t.symbol)}` +
    `,"bid":${price(t.bid, 'bid')},"bid_qty":${qty(t.bidQty, 'bid_qty')}` +
    `,"ask":${price(t.ask, 'ask')},"ask_qty":${qty(t.askQty, 'ask_qty')}` +
    `,"last":${price(t.last, 'last')},"volume":${qty(t.volume, 'volume')},"vwap":${price(t.vwap, 'vwap')}` +
    `,"low":${price(t.low, 'low')},"high":${price(t.high, 'high')},"change":${price(t.change, 'change')}` +
    `,"change_pct":${toFixedText(t.changePct, PERCENT_DECIMALS, 'ticker change_pct')}` +
    `,"trades":${count(t.trades, 'ticker trades')},"timestamp":"${formatKrakenTime(t.timestamp)}"}]}`
  );
}

/** An `ohlc` snapshot (recent candles, oldest first) or update (the open candle), sent at `timestamp`. */
export function encodeKrakenOhlc(
  type: KrakenMessageType,
  timestamp: number,
  candles: readonly KrakenOhlcInput[],
  p: KrakenPrecision,
): string {
  const price = (v: DecimalInput, field: string): string => toFixedText(v, p.priceDecimals, `ohlc ${field}`);
  let data = '';
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    data +=
      `${i > 0 ? ',' : ''}{"symbol":${JSON.stringify(c.symbol)},"open":${price(c.open, 'open')}` +
      `,"high":${price(c.high, 'high')},"low":${price(c.low, 'low')},"close":${price(c.close, 'close')}` +
      `,"trades":${count(c.trades, 'ohlc trades')},"volume":${toFixedText(c.volume, p.qtyDecimals, 'ohlc volume')}` +
      `,"vwap":${price(c.vwap, 'vwap')},"interval_begin":"${formatKrakenTime(c.intervalBegin, 9)}"` +
      `,"interval":${c.interval},"timestamp":"${formatKrakenTime(c.intervalBegin + c.interval * 60_000)}"}`;
  }
  return `${head('ohlc', type)},"timestamp":"${formatKrakenTime(timestamp, 9)}","data":[${data}]}`;
}

export interface KrakenStatusInput {
  readonly system: KrakenSystemState;
  /** Server version, e.g. `2.0.10`. */
  readonly version: string;
  /** Unsigned 64-bit id as digits or a bigint (it exceeds 2^53). */
  readonly connectionId: string | bigint;
}

/** The `status` frame that opens every connection. */
export function encodeKrakenStatus(s: KrakenStatusInput): string {
  const id = String(s.connectionId);
  if (!/^\d{1,20}$/.test(id)) {
    throw new TickstreamError('ERR_ENCODE', `kraken: connection id ${id} is not an unsigned integer`);
  }
  return (
    `${head('status', 'update')},"data":[{"version":${JSON.stringify(s.version)},"system":"${s.system}"` +
    `,"api_version":"v2","connection_id":${id},"upcoming_maintenance":[],"emergency":[]}]}`
  );
}

/** Receive and send time of a request, ms; Kraken writes both in every method response. */
export interface KrakenResponseTimes {
  readonly reqId?: number;
  readonly timeIn: number;
  readonly timeOut: number;
}

/** A successful subscribe / unsubscribe for one symbol (keys alphabetical, as Kraken sends them). */
export function encodeKrakenAck(
  method: 'subscribe' | 'unsubscribe',
  r: KrakenAckResult,
  times: KrakenResponseTimes,
): string {
  return JSON.stringify({
    method,
    req_id: times.reqId,
    result: {
      channel: r.channel,
      depth: r.depth,
      event_trigger: r.event_trigger,
      interval: r.interval,
      snapshot: r.snapshot,
      symbol: r.symbol,
      warnings: r.warnings,
    },
    success: true,
    time_in: formatKrakenTime(times.timeIn),
    time_out: formatKrakenTime(times.timeOut),
  });
}

/**
 * A refused request; `symbol` when the refusal concerns one (`Currency pair not supported X`).
 * `method` is the request's (`error` for a frame that names none).
 */
export function encodeKrakenAckError(
  method: string,
  error: string,
  symbol: string | undefined,
  times: KrakenResponseTimes,
): string {
  return JSON.stringify({
    error,
    method,
    req_id: times.reqId,
    success: false,
    symbol,
    time_in: formatKrakenTime(times.timeIn),
    time_out: formatKrakenTime(times.timeOut),
  });
}

/** The answer to `{"method":"ping"}`. */
export function encodeKrakenPong(times: KrakenResponseTimes): string {
  return JSON.stringify({
    method: 'pong',
    req_id: times.reqId,
    time_in: formatKrakenTime(times.timeIn),
    time_out: formatKrakenTime(times.timeOut),
  });
}

// ---- requests (ingest → Kraken) ----

/** Params in the order Kraken documents them: channel, symbol, the channel's options, snapshot. */
function orderedParams(p: KrakenChannelParams): KrakenChannelParams {
  switch (p.channel) {
    case 'book':
      return { channel: p.channel, symbol: p.symbol, depth: p.depth, snapshot: p.snapshot };
    case 'ticker':
      return { channel: p.channel, symbol: p.symbol, event_trigger: p.event_trigger, snapshot: p.snapshot };
    case 'ohlc':
      return { channel: p.channel, symbol: p.symbol, interval: p.interval, snapshot: p.snapshot };
    case 'trade':
      return { channel: p.channel, symbol: p.symbol, snapshot: p.snapshot };
  }
}

export function krakenSubscribeRequest(params: KrakenChannelParams, reqId?: number): string {
  return JSON.stringify({ method: 'subscribe', params: orderedParams(params), req_id: reqId });
}

export function krakenUnsubscribeRequest(params: KrakenChannelParams, reqId?: number): string {
  return JSON.stringify({ method: 'unsubscribe', params: orderedParams(params), req_id: reqId });
}

export function krakenPingRequest(reqId?: number): string {
  return JSON.stringify({ method: 'ping', req_id: reqId });
}
