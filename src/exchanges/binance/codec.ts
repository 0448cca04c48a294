/**
 * Binance Spot codec: pure functions between the exchange's WebSocket frames and the
 * normalized model (EXCHANGES.md 1.1-1.4). Decoding handles raw (bare event) and combined
 * (`{stream,data}`) frames. The encoding side (encoder.ts, re-exported here) is what the
 * replay simulator sends.
 *
 * Hot path: one JSON.parse per frame, indexed loops, object literals with a fixed key order,
 * no spread or destructuring. Invalid input throws `DecodeError`; callers count and log it.
 */
import { DecodeError } from '../../core/errors.js';
import type {
  Bar,
  BookChange,
  BookSnapshot,
  Level,
  NormalizedMessage,
  Quote,
  Ticker,
  Trade,
} from '../../core/types.js';
import { toBinanceSymbol, toCanonicalSymbol } from './symbols.js';
import type { BinanceKlineInterval } from './wire.js';

export {
  encodeBinanceEvent,
  encodeBinanceRestDepth,
  formatBinanceDecimal,
  type BinanceEncodeIds,
} from './encoder.js';
export type { BinanceKlineEvent, BinanceKlineInterval } from './wire.js';

export type BinanceStreamKind =
  | 'trade'
  | 'aggTrade'
  | 'depth'
  | 'depth@100ms'
  | `depth${5 | 10 | 20}`
  | `depth${5 | 10 | 20}@100ms`
  | 'bookTicker'
  | 'ticker'
  | 'miniTicker'
  | `kline_${BinanceKlineInterval}`;

/** `('BTC/USDT', 'depth@100ms')` → `btcusdt@depth@100ms`. */
export function binanceStreamName(canonicalSymbol: string, kind: BinanceStreamKind): string {
  return `${toBinanceSymbol(canonicalSymbol).toLowerCase()}@${kind}`;
}

/** `btcusdt@depth@100ms` → `{symbol: 'BTC/USDT', kind: 'depth@100ms'}`; undefined for `!…` streams. */
export function parseBinanceStreamName(stream: string): { symbol: string; kind: string } | undefined {
  const at = stream.indexOf('@');
  if (at <= 0 || stream.charCodeAt(0) === 33 /* ! */) return undefined;
  return { symbol: canonical(stream.slice(0, at)), kind: stream.slice(at + 1) };
}

export type BinanceControlReply =
  | { readonly kind: 'result'; readonly id: number | string | null; readonly result: unknown }
  | {
      readonly kind: 'error';
      readonly id: number | string | null;
      readonly code: number;
      readonly msg: string;
    };

/** A parsed frame: the event (unwrapped from a combined envelope) and its stream name when known. */
export interface BinanceEnvelope {
  readonly stream: string | undefined;
  readonly data: unknown;
}

/** JSON-parse a frame and unwrap the combined-stream envelope. Throws `DecodeError` on bad JSON. */
export function parseBinanceFrame(raw: string): BinanceEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new DecodeError(`binance: malformed JSON frame (${raw.length} chars)`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new DecodeError('binance: frame is not an object');
  const obj = parsed as Record<string, unknown>;
  if (typeof obj.stream === 'string' && 'data' in obj) return { stream: obj.stream, data: obj.data };
  return { stream: undefined, data: parsed };
}

/** The control reply an already-parsed frame holds (`{result,id}`, `{error,id}`, `{code,msg}`), if any. */
export function controlReplyOf(data: unknown): BinanceControlReply | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const obj = data as Record<string, unknown>;
  if ('e' in obj) return undefined;
  const id = typeof obj.id === 'number' || typeof obj.id === 'string' ? obj.id : null;
  if ('result' in obj && 'id' in obj) return { kind: 'result', id, result: obj.result };
  const err = (typeof obj.error === 'object' && obj.error !== null ? obj.error : obj) as Record<
    string,
    unknown
  >;
  if (typeof err.code === 'number' && typeof err.msg === 'string') {
    return { kind: 'error', id, code: err.code, msg: err.msg };
  }
  return undefined;
}

/** Parse a frame as a control reply; undefined when it is not one. Throws `DecodeError` on bad JSON. */
export function parseControlReply(raw: string): BinanceControlReply | undefined {
  return controlReplyOf(parseBinanceFrame(raw).data);
}

/** Decode one frame into normalized messages; control replies and known non-data events give []. */
export function decodeBinanceFrame(raw: string, localTimestamp: number): NormalizedMessage[] {
  const env = parseBinanceFrame(raw);
  const out: NormalizedMessage[] = [];
  if (controlReplyOf(env.data) === undefined)
    normalizeBinanceEvent(env.data, env.stream, localTimestamp, out);
  return out;
}

/** A diff-depth event: the normalized change (sequence = `u`) plus its first update id `U`. */
export interface BinanceDepthDiff {
  readonly firstUpdateId: number;
  readonly change: BookChange;
}

export function isDepthUpdate(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { e?: unknown }).e === 'depthUpdate';
}

export function decodeDepthUpdate(data: unknown, localTimestamp: number): BinanceDepthDiff {
  const ev = asEvent(data);
  const change: BookChange = {
    type: 'book_change',
    exchange: 'binance',
    symbol: symbolOf(ev.s),
    timestamp: int(ev.E, 'E'),
    localTimestamp,
    bids: levels(ev.b, 'b'),
    asks: levels(ev.a, 'a'),
    sequence: int(ev.u, 'u'),
    isSnapshot: false,
  };
  return { firstUpdateId: int(ev.U, 'U'), change };
}

/** A validated REST depth snapshot (`GET /api/v3/depth`). */
export interface DecodedRestDepth {
  readonly lastUpdateId: number;
  readonly bids: Level[];
  readonly asks: Level[];
}

export function decodeRestDepth(body: unknown): DecodedRestDepth {
  const ev = asEvent(body);
  return {
    lastUpdateId: int(ev.lastUpdateId, 'lastUpdateId'),
    bids: levels(ev.bids, 'bids'),
    asks: levels(ev.asks, 'asks'),
  };
}

/**
 * Normalize one event (or an array of them, as `!ticker@arr`) and push the results onto `out`.
 * `stream` is needed only for partial depth, which carries no symbol.
 */
export function normalizeBinanceEvent(
  data: unknown,
  stream: string | undefined,
  localTimestamp: number,
  out: NormalizedMessage[],
): void {
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) normalizeBinanceEvent(data[i], stream, localTimestamp, out);
    return;
  }
  const ev = asEvent(data);
  switch (ev.e) {
    case 'trade':
      out.push(trade(ev, String(int(ev.t, 't')), localTimestamp));
      return;
    case 'aggTrade':
      out.push(trade(ev, String(int(ev.a, 'a')), localTimestamp));
      return;
    case 'depthUpdate':
      out.push(decodeDepthUpdate(ev, localTimestamp).change);
      return;
    case '24hrTicker':
      out.push(ticker(ev, localTimestamp));
      return;
    case 'kline':
      out.push(decodeKline(ev, localTimestamp).bar);
      return;
    case '24hrMiniTicker': // no bid/ask: no normalized form
    case 'serverShutdown': // the connection sees the close that follows
      return;
    case undefined:
      break;
    default:
      throw new DecodeError(`binance: unknown event type ${JSON.stringify(ev.e)}`);
  }
  if (typeof ev.u === 'number' && typeof ev.b === 'string' && typeof ev.a === 'string') {
    out.push(quote(ev, localTimestamp));
  } else if ('lastUpdateId' in ev && Array.isArray(ev.bids)) {
    out.push(partialDepth(ev, stream, localTimestamp));
  } else {
    throw new DecodeError('binance: unknown event shape');
  }
}

function trade(ev: Record<string, unknown>, id: string, localTimestamp: number): Trade {
  return {
    type: 'trade',
    exchange: 'binance',
    symbol: symbolOf(ev.s),
    timestamp: int(ev.T, 'T'),
    localTimestamp,
    id,
    price: dec(ev.p, 'p'),
    amount: dec(ev.q, 'q'),
    side: bool(ev.m, 'm') ? 'sell' : 'buy',
  };
}

function ticker(ev: Record<string, unknown>, localTimestamp: number): Ticker {
  return {
    type: 'ticker',
    exchange: 'binance',
    symbol: symbolOf(ev.s),
    timestamp: int(ev.E, 'E'),
    localTimestamp,
    last: dec(ev.c, 'c'),
    bid: dec(ev.b, 'b'),
    ask: dec(ev.a, 'a'),
    bidSize: dec(ev.B, 'B'),
    askSize: dec(ev.A, 'A'),
    volume24h: dec(ev.v, 'v'),
    change24hPct: dec(ev.P, 'P'),
  };
}

/** bookTicker carries no time: timestamp = localTimestamp. */
function quote(ev: Record<string, unknown>, localTimestamp: number): Quote {
  const bid = dec(ev.b, 'b');
  const ask = dec(ev.a, 'a');
  return {
    type: 'quote',
    exchange: 'binance',
    symbol: symbolOf(ev.s),
    timestamp: localTimestamp,
    localTimestamp,
    bid,
    bidSize: dec(ev.B, 'B'),
    ask,
    askSize: dec(ev.A, 'A'),
    mid: (bid + ask) / 2,
  };
}

/** A kline event: the bar so far, and whether its interval has closed (`k.x`). */
export interface BinanceDecodedKline {
  readonly bar: Bar;
  readonly closed: boolean;
}

export function isKline(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { e?: unknown }).e === 'kline';
}

export function decodeKline(data: unknown, localTimestamp: number): BinanceDecodedKline {
  const ev = asEvent(data);
  const k = asEvent(ev.k);
  if (typeof k.i !== 'string') throw new DecodeError('binance: kline without interval');
  const bar: Bar = {
    type: 'bar',
    exchange: 'binance',
    symbol: symbolOf(ev.s),
    timestamp: int(ev.E, 'E'),
    localTimestamp,
    interval: k.i,
    open: dec(k.o, 'k.o'),
    high: dec(k.h, 'k.h'),
    low: dec(k.l, 'k.l'),
    close: dec(k.c, 'k.c'),
    volume: dec(k.v, 'k.v'),
  };
  return { bar, closed: bool(k.x, 'k.x') };
}

const PARTIAL_DEPTH = /^([a-z0-9]+)@depth(\d+)(?:@\d+ms)?$/;

/** `<s>@depth<N>[@100ms]`: no symbol or time in the event, so the stream name is required. */
function partialDepth(
  ev: Record<string, unknown>,
  stream: string | undefined,
  localTimestamp: number,
): BookSnapshot {
  const m = stream === undefined ? null : PARTIAL_DEPTH.exec(stream);
  if (m === null) throw new DecodeError('binance: partial depth without a depth<N> stream name');
  return {
    type: 'book_snapshot',
    exchange: 'binance',
    symbol: canonical(m[1]),
    timestamp: localTimestamp,
    localTimestamp,
    depth: Number(m[2]),
    bids: levels(ev.bids, 'bids'),
    asks: levels(ev.asks, 'asks'),
    sequence: int(ev.lastUpdateId, 'lastUpdateId'),
  };
}

// ---- field readers (throw DecodeError; messages built only on failure) ----

function asEvent(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new DecodeError('binance: event is not an object');
  }
  return data as Record<string, unknown>;
}

function int(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new DecodeError(`binance: field ${field} is not a number`);
}

function bool(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new DecodeError(`binance: field ${field} is not a boolean`);
}

/** A decimal string (Binance prices and quantities) to a number. */
function dec(v: unknown, field: string): number {
  if (typeof v === 'string' && v.length > 0) {
    const n = +v;
    if (n === n) return n; // not NaN
  }
  throw new DecodeError(`binance: field ${field} is not a decimal string`);
}

function levels(v: unknown, field: string): Level[] {
  if (!Array.isArray(v)) throw new DecodeError(`binance: field ${field} is not an array`);
  const out = new Array<Level>(v.length);
  for (let i = 0; i < v.length; i++) {
    const l: unknown = v[i];
    if (!Array.isArray(l) || l.length < 2) throw new DecodeError(`binance: field ${field} has a bad level`);
    out[i] = [dec(l[0], field), dec(l[1], field)];
  }
  return out;
}

/** Canonical spelling per native symbol, memoized (bounded) to keep string work off the hot path. */
const symbolCache = new Map<string, string>();

function canonical(native: string): string {
  let s = symbolCache.get(native);
  if (s === undefined) {
    if (symbolCache.size >= 10_000) symbolCache.clear();
    s = toCanonicalSymbol(native);
    symbolCache.set(native, s);
  }
  return s;
}

function symbolOf(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new DecodeError('binance: field s is not a symbol');
  return canonical(v);
}
