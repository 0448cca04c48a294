/**
 * OKX v5 wire types: the public WebSocket (`wss://ws.okx.com:8443/ws/v5/public`, candles on
 * `/ws/v5/business`) and the public REST endpoints (`https://www.okx.com/api/v5/…`), exactly as
 * the exchange sends them. Every number is a decimal string on both; the one exception is the
 * book `checksum` (a signed 32-bit JSON number) and `seqId` / `prevSeqId` (JSON numbers).
 *
 * Sources, by tag: [capture] the real frames in `../shared/realdata/cryptofeed-sample_data/OKX.*`
 * (2022-05-13, pre-seqId); [doc] OKX API v5 docs (seqId/prevSeqId since 2023, `count` on trades,
 * `connId` on events, `id` echo); [unconfirmed] nothing better than the field list.
 */

// ---- REST ----

/** Every REST answer: `{"code":"0","msg":"","data":[…]}`; an error has a non-zero code [doc]. */
export interface OkxRestBody<T> {
  code: string;
  msg: string;
  data: T[];
}

/** A book level: `[price, size, "0" (deprecated liquidated orders), orderCount]` [capture]. */
export type OkxLevel = [px: string, sz: string, liquidated: string, orders: string];

/** `GET /api/v5/market/books?instId=…&sz=400`: one entry, sides best first [doc]. */
export interface OkxRestBook {
  asks: OkxLevel[];
  bids: OkxLevel[];
  /** Book time, ms since epoch as text. */
  ts: string;
}

export type OkxSide = 'buy' | 'sell';

/** `GET /api/v5/market/trades?instId=…&limit=…`: newest first; `side` is the taker's [doc]. */
export interface OkxRestTrade {
  instId: string;
  side: OkxSide;
  sz: string;
  px: string;
  /** Per-instrument increasing id, as text. */
  tradeId: string;
  ts: string;
}

/** `GET /api/v5/market/ticker` and `tickers`, and the `tickers` channel's data item [capture]. */
export interface OkxTicker {
  instType: 'SPOT';
  instId: string;
  last: string;
  lastSz: string;
  askPx: string;
  askSz: string;
  bidPx: string;
  bidSz: string;
  open24h: string;
  high24h: string;
  low24h: string;
  /** Quote-currency volume over 24 h (spot). */
  volCcy24h: string;
  /** Base-currency volume over 24 h (spot). */
  vol24h: string;
  /** Open price at 00:00 UTC and at 00:00 UTC+8. */
  sodUtc0: string;
  sodUtc8: string;
  ts: string;
}

/**
 * A candle, REST `market/candles` and the `candle1m` channel alike: `[ts, o, h, l, c, vol,
 * volCcy, volCcyQuote, confirm]`; `confirm` is `"0"` while the candle is open, `"1"` once
 * closed [doc].
 */
export type OkxCandle = [
  ts: string,
  o: string,
  h: string,
  l: string,
  c: string,
  vol: string,
  volCcy: string,
  volCcyQuote: string,
  confirm: '0' | '1',
];

/** `GET /api/v5/public/time` [doc]. */
export interface OkxTime {
  ts: string;
}

// ---- WebSocket: client → server ----

/** Public channels the hub speaks; `candle1m` lives on `/ws/v5/business`. */
export type OkxChannel = 'trades' | 'books' | 'books5' | 'bbo-tbt' | 'tickers' | 'candle1m';

export const OKX_PUBLIC_CHANNELS: readonly OkxChannel[] = ['trades', 'books', 'books5', 'bbo-tbt', 'tickers'];
export const OKX_BUSINESS_CHANNELS: readonly OkxChannel[] = ['candle1m'];

export interface OkxArg {
  channel: string;
  instId?: string;
}

/** `{"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]}`; `id` is echoed [doc]. */
export interface OkxRequest {
  id?: string;
  op: 'subscribe' | 'unsubscribe';
  args: OkxArg[];
}

// ---- WebSocket: server → client ----

/** One ack per arg of a (un)subscribe [capture; `connId` and `id` doc]. */
export interface OkxAck {
  id?: string;
  event: 'subscribe' | 'unsubscribe';
  arg: OkxArg;
  connId: string;
}

/** `{"event":"error","code":"60012","msg":"Invalid request: …","connId":"…"}` [doc]. */
export interface OkxErrorEvent {
  id?: string;
  event: 'error';
  code: string;
  msg: string;
  connId: string;
}

/** A data push: `{"arg":{…},"data":[…]}` [capture]. */
export interface OkxPush<T> {
  arg: { channel: OkxChannel; instId: string };
  data: T[];
}

/** `trades` data item; `count` is how many fills aggregated into it [doc]. */
export interface OkxTrade {
  instId: string;
  tradeId: string;
  px: string;
  sz: string;
  side: OkxSide;
  ts: string;
  count: string;
}

/**
 * `books` data item [capture; seqId doc]: the snapshot has `prevSeqId: -1`; each update's
 * `prevSeqId` is the previous message's `seqId`; an update with no change repeats `seqId`.
 * `checksum` covers the top 25 a side after applying the message.
 */
export interface OkxBookData {
  asks: OkxLevel[];
  bids: OkxLevel[];
  ts: string;
  checksum: number;
  seqId: number;
  prevSeqId: number;
}

/** `books` push: carries `action` [capture]. */
export interface OkxBookPush extends OkxPush<OkxBookData> {
  action: 'snapshot' | 'update';
}

/** `books5` (full 5-level book on every push) and `bbo-tbt` (top level, tick by tick) [doc]. */
export interface OkxDepthData {
  asks: OkxLevel[];
  bids: OkxLevel[];
  instId: string;
  ts: string;
  seqId: number;
}
