/**
 * Kraken Spot WebSocket v2 decoder: one text frame → normalized messages (`trade`, `book_change`,
 * `ticker`, `bar`) and the control results an ingest needs (acks, pong, heartbeat, system
 * status). Pure; the encoding side (encoder.ts, re-exported here) is what the replay hub sends.
 *
 * Choices where the wire and the model differ:
 * - A v2 `book` snapshot is a `book_change` with `isSnapshot: true` (replace the book), an update
 *   one with `isSnapshot: false`, as Binance's book sync emits them; top-N `book_snapshot`s come
 *   from the book sync. Each carries Kraken's `checksum`; `sequence` is 0, Kraken has none.
 * - Prices and quantities stay JSON numbers. The checksum needs their text, which Kraken writes
 *   with the pair's fixed precision, so checksum.ts formats the numbers back with that precision
 *   (exact, and checked) instead of this decoder keeping strings.
 * - Times are RFC3339 with µs or ns; they become ms, truncated. A `bar`'s timestamp is its
 *   `interval_begin`, the only field that tells the candles of a snapshot apart.
 * - The status frame names no symbol, so it decodes to a `system_status` control result;
 *   `systemStatusMessages` makes the per-symbol `status` messages from it.
 *
 * Invalid input throws DecodeError naming the field and quoting the start of the frame.
 */
import { DecodeError } from '../../core/errors.js';
import type { Bar, BookChange, Level, Status, Ticker, Trade } from '../../core/types.js';
import { parseKrakenTime } from './wire-format.js';
import type { KrakenMessageType, KrakenOhlcInterval, KrakenSystemState } from './wire.js';

export * from './encoder.js';

/** A book message: the normalized change plus the checksum Kraken computed after it. */
export interface KrakenBookChange extends BookChange {
  readonly checksum: number;
}

interface Control {
  readonly localTimestamp: number;
}

/** A subscribe or unsubscribe confirmed for one symbol. */
export interface KrakenAck extends Control {
  readonly type: 'ack';
  readonly method: 'subscribe' | 'unsubscribe';
  readonly reqId: number | undefined;
  readonly channel: string;
  readonly symbol: string | undefined;
  readonly warnings: readonly string[];
}

/** A refused request, with Kraken's error text. */
export interface KrakenAckError extends Control {
  readonly type: 'ack_error';
  readonly method: string | undefined;
  readonly reqId: number | undefined;
  readonly error: string;
  readonly symbol: string | undefined;
}

export interface KrakenPongResult extends Control {
  readonly type: 'pong';
  readonly reqId: number | undefined;
}

export interface KrakenHeartbeatResult extends Control {
  readonly type: 'heartbeat';
}

export interface KrakenSystemStatusResult extends Control {
  readonly type: 'system_status';
  readonly system: KrakenSystemState;
  readonly version: string;
  readonly apiVersion: string;
  /** Exact digits (the number exceeds 2^53). */
  readonly connectionId: string;
}

export type KrakenControl =
  KrakenAck | KrakenAckError | KrakenPongResult | KrakenHeartbeatResult | KrakenSystemStatusResult;

export type KrakenDecoded = Trade | KrakenBookChange | Ticker | Bar | KrakenControl;

const SYSTEM_STATES: readonly string[] = ['online', 'cancel_only', 'maintenance', 'post_only'];

/** Candle minutes → the model's interval names. */
const BAR_INTERVALS: ReadonlyMap<number, string> = new Map([
  [1, '1m'],
  [5, '5m'],
  [15, '15m'],
  [30, '30m'],
  [60, '1h'],
  [240, '4h'],
  [1440, '1d'],
  [10080, '1w'],
  [21600, '15d'],
]);

/** `60` → `1h`; undefined for a length Kraken does not offer. */
export function barIntervalName(minutes: KrakenOhlcInterval | number): string | undefined {
  return BAR_INTERVALS.get(minutes);
}

type Fields = Record<string, unknown>;

/** Decode one frame, pushing its messages onto `out` (returned). */
export function decodeKrakenFrame(
  raw: string,
  localTimestamp: number,
  out: KrakenDecoded[] = [],
): KrakenDecoded[] {
  decodeKrakenFrameInto(raw, localTimestamp, out);
  return out;
}

/**
 * `decodeKrakenFrame` for a caller that must tell a subscription's snapshot from its updates (a
 * `trade` or `ohlc` snapshot repeats the recent past): returns the channel message's `type`,
 * undefined for method responses, heartbeats and status. On a DecodeError `out` may hold part
 * of the frame.
 */
export function decodeKrakenFrameInto(
  raw: string,
  localTimestamp: number,
  out: KrakenDecoded[],
): KrakenMessageType | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new DecodeError(`kraken: malformed JSON frame (${raw.length} chars): ${preview(raw)}`, {
      cause: err,
    });
  }
  try {
    return decodeParsed(asObject(parsed, 'frame'), raw, localTimestamp, out);
  } catch (err) {
    if (err instanceof DecodeError)
      throw new DecodeError(`${err.message} in ${preview(raw)}`, { cause: err });
    throw err;
  }
}

function preview(raw: string): string {
  return raw.length <= 120 ? raw : `${raw.slice(0, 120)}…`;
}

function decodeParsed(
  frame: Fields,
  raw: string,
  localTimestamp: number,
  out: KrakenDecoded[],
): KrakenMessageType | undefined {
  if ('method' in frame || frame.success === false) {
    out.push(methodResponse(frame, localTimestamp));
    return undefined;
  }
  const channel = frame.channel;
  if (channel === 'heartbeat') {
    out.push({ type: 'heartbeat', localTimestamp });
    return undefined;
  }
  if (channel === 'status') {
    systemStatus(frame, raw, localTimestamp, out);
    return undefined;
  }
  const decodeEntry = typeof channel === 'string' ? ENTRY_DECODERS.get(channel) : undefined;
  if (decodeEntry === undefined) {
    throw new DecodeError(
      typeof channel === 'string'
        ? `kraken: unknown channel ${JSON.stringify(channel)}`
        : 'kraken: frame has neither a channel nor a method',
    );
  }
  const isSnapshot = messageType(frame.type);
  const data = array(frame.data, 'data');
  for (let i = 0; i < data.length; i++)
    out.push(decodeEntry(asObject(data[i], 'data'), isSnapshot, localTimestamp));
  return isSnapshot ? 'snapshot' : 'update';
}

type EntryDecoder = (entry: Fields, isSnapshot: boolean, localTimestamp: number) => KrakenDecoded;

/** Data channels: one message per `data` entry. */
const ENTRY_DECODERS: ReadonlyMap<string, EntryDecoder> = new Map<string, EntryDecoder>([
  ['book', book],
  ['trade', (entry, _isSnapshot, at) => trade(entry, at)],
  ['ticker', (entry, _isSnapshot, at) => ticker(entry, at)],
  ['ohlc', (entry, _isSnapshot, at) => bar(entry, at)],
]);

function methodResponse(frame: Fields, localTimestamp: number): KrakenControl {
  const method = frame.method;
  const reqId = optionalInt(frame.req_id, 'req_id');
  if (frame.success === false) {
    return {
      type: 'ack_error',
      method: typeof method === 'string' ? method : undefined,
      reqId,
      error: typeof frame.error === 'string' ? frame.error : 'unspecified error',
      symbol: typeof frame.symbol === 'string' ? frame.symbol : undefined,
      localTimestamp,
    };
  }
  if (method === 'pong') return { type: 'pong', reqId, localTimestamp };
  if (method !== 'subscribe' && method !== 'unsubscribe') {
    throw new DecodeError(`kraken: unexpected method response ${JSON.stringify(method)}`);
  }
  if (frame.success !== true) throw new DecodeError(`kraken: ${method} response without success`);
  const result = asObject(frame.result, 'result');
  const warnings = result.warnings === undefined ? [] : array(result.warnings, 'result.warnings');
  return {
    type: 'ack',
    method,
    reqId,
    channel: str(result.channel, 'result.channel'),
    symbol: typeof result.symbol === 'string' ? result.symbol : undefined,
    warnings: warnings.map((w) => str(w, 'result.warnings')),
    localTimestamp,
  };
}

const CONNECTION_ID = /"connection_id":(\d+)/g;

function systemStatus(frame: Fields, raw: string, localTimestamp: number, out: KrakenDecoded[]): void {
  const data = array(frame.data, 'data');
  const ids = [...raw.matchAll(CONNECTION_ID)].map((m) => m[1]);
  for (let i = 0; i < data.length; i++) {
    const entry = asObject(data[i], 'data');
    const system = str(entry.system, 'system');
    if (!SYSTEM_STATES.includes(system)) throw new DecodeError(`kraken: unknown system state "${system}"`);
    out.push({
      type: 'system_status',
      system: system as KrakenSystemState,
      version: str(entry.version, 'version'),
      apiVersion: str(entry.api_version, 'api_version'),
      connectionId: ids[i] ?? String(num(entry.connection_id, 'connection_id')),
      localTimestamp,
    });
  }
}

/**
 * The `status` message of each symbol for Kraken's system state: `connected` while the engine
 * runs (also cancel-only and post-only, which restrict trading, not market data), `stale` in
 * maintenance, when no market data moves.
 */
export function systemStatusMessages(status: KrakenSystemStatusResult, symbols: readonly string[]): Status[] {
  const state = status.system === 'maintenance' ? 'stale' : 'connected';
  const reason = `kraken system ${status.system} (api ${status.apiVersion}, server ${status.version})`;
  return symbols.map((symbol) => ({
    type: 'status',
    exchange: 'kraken',
    symbol,
    timestamp: status.localTimestamp,
    localTimestamp: status.localTimestamp,
    state,
    reason,
  }));
}

function book(entry: Fields, isSnapshot: boolean, localTimestamp: number): KrakenBookChange {
  return {
    type: 'book_change',
    exchange: 'kraken',
    symbol: str(entry.symbol, 'symbol'),
    timestamp: timeOr(entry.timestamp, localTimestamp),
    localTimestamp,
    bids: levels(entry.bids, 'bids'),
    asks: levels(entry.asks, 'asks'),
    sequence: 0,
    isSnapshot,
    checksum: int(entry.checksum, 'checksum'),
  };
}

function trade(entry: Fields, localTimestamp: number): Trade {
  const side = entry.side;
  if (side !== 'buy' && side !== 'sell') throw new DecodeError('kraken: trade field side is not buy or sell');
  return {
    type: 'trade',
    exchange: 'kraken',
    symbol: str(entry.symbol, 'symbol'),
    timestamp: parseKrakenTime(entry.timestamp, 'timestamp'),
    localTimestamp,
    id: String(int(entry.trade_id, 'trade_id')),
    price: num(entry.price, 'price'),
    amount: num(entry.qty, 'qty'),
    side,
  };
}

function ticker(entry: Fields, localTimestamp: number): Ticker {
  return {
    type: 'ticker',
    exchange: 'kraken',
    symbol: str(entry.symbol, 'symbol'),
    timestamp: timeOr(entry.timestamp, localTimestamp),
    localTimestamp,
    last: num(entry.last, 'last'),
    bid: num(entry.bid, 'bid'),
    ask: num(entry.ask, 'ask'),
    bidSize: num(entry.bid_qty, 'bid_qty'),
    askSize: num(entry.ask_qty, 'ask_qty'),
    volume24h: num(entry.volume, 'volume'),
    change24hPct: num(entry.change_pct, 'change_pct'),
  };
}

function bar(entry: Fields, localTimestamp: number): Bar {
  const minutes = int(entry.interval, 'interval');
  const interval = barIntervalName(minutes);
  if (interval === undefined)
    throw new DecodeError(`kraken: ohlc interval ${minutes} is not one Kraken offers`);
  return {
    type: 'bar',
    exchange: 'kraken',
    symbol: str(entry.symbol, 'symbol'),
    timestamp: parseKrakenTime(entry.interval_begin, 'interval_begin'),
    localTimestamp,
    interval,
    open: num(entry.open, 'open'),
    high: num(entry.high, 'high'),
    low: num(entry.low, 'low'),
    close: num(entry.close, 'close'),
    volume: num(entry.volume, 'volume'),
  };
}

// ---- field readers (messages built only on failure) ----

function messageType(v: unknown): boolean {
  if (v === 'snapshot') return true;
  if (v === 'update') return false;
  throw new DecodeError(`kraken: field type ${JSON.stringify(v)} is not snapshot or update`);
}

function asObject(v: unknown, field: string): Fields {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Fields;
  throw new DecodeError(`kraken: field ${field} is not an object`);
}

function array(v: unknown, field: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new DecodeError(`kraken: field ${field} is not an array`);
}

function str(v: unknown, field: string): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new DecodeError(`kraken: field ${field} is not a non-empty string`);
}

function num(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new DecodeError(`kraken: field ${field} is not a number`);
}

function int(v: unknown, field: string): number {
  if (Number.isSafeInteger(v)) return v as number;
  throw new DecodeError(`kraken: field ${field} is not an integer`);
}

/** An optional RFC3339 field (older servers omit some) as ms, else `fallback`. */
function timeOr(v: unknown, fallback: number): number {
  return v === undefined ? fallback : parseKrakenTime(v, 'timestamp');
}

function optionalInt(v: unknown, field: string): number | undefined {
  return v === undefined ? undefined : int(v, field);
}

function levels(v: unknown, field: string): Level[] {
  if (!Array.isArray(v)) throw new DecodeError(`kraken: field ${field} is not an array`);
  const out = new Array<Level>(v.length);
  for (let i = 0; i < v.length; i++) {
    const level = v[i] as { price?: unknown; qty?: unknown } | null;
    if (typeof level !== 'object' || level === null) {
      throw new DecodeError(`kraken: ${field}[${i}] is not a {price, qty} level`);
    }
    const price = level.price;
    const qty = level.qty;
    if (typeof price !== 'number' || !(price >= 0) || typeof qty !== 'number' || !(qty >= 0)) {
      throw new DecodeError(`kraken: ${field}[${i}] price or qty is not a non-negative number`);
    }
    out[i] = [price, qty];
  }
  return out;
}
