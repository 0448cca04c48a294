/**
 * OKX v5 public WebSocket decoder: one text frame → normalized messages (`trade`, `ticker`,
 * `bar`), book events for the book sync, and the control results an ingest needs (acks, errors,
 * notices, the text `pong`). Pure. The wire shapes are in wire.ts; EXCHANGES.md §3.
 *
 * Choices where the wire and the model differ:
 * - `trades`: one `trade` per data item, `id` = `tradeId`, `side` = the taker's [doc] (`count`,
 *   the fills aggregated into it since 2023 [doc], is not in the model).
 * - `tickers`: `volume24h` = `vol24h` (base currency on spot [doc]), `change24hPct` = last against
 *   `open24h` (the rolling 24 h open; OKX sends no change field [capture]).
 * - `books`: one `OkxBookEvent` per data item, a `book_change` with `isSnapshot` from `action`,
 *   `sequence` = `seqId` (0 in the pre-2023 shape, which has none [capture]), plus `seqId`,
 *   `prevSeqId`, `checksum` and the levels' exact text for the checksum.
 * - `candle<bar>` (`candle1m` on `/ws/v5/business`): a `bar` only once the candle is closed
 *   (`confirm:"1"` [doc]); an open candle's pushes decode to nothing. Timestamp = candle start.
 * - Acks and errors → `ControlReply`; OKX's `id` is text: ids sent as digits read back as numbers,
 *   any other id as undefined [doc].
 * - `symbol` is resolved by the caller's `symbolOf(instId)` (spot: `BTC-USDT` → `BTC/USDT`).
 *
 * Invalid or unknown input throws DecodeError naming the field and quoting the frame's start.
 */
import type { WireLevel } from '../../book/book-rule.js';
import { DecodeError } from '../../core/errors.js';
import type { Bar, Ticker, Trade } from '../../core/types.js';
import type { ControlReply } from '../../ingest/feed-spec.js';
import type { OkxBookEvent } from './book-rule.js';
import {
  array,
  asObject,
  decimal,
  levels,
  msText,
  optionalInt,
  preview,
  str,
  type Fields,
} from './codec-fields.js';
import { canonicalSymbolOf } from './symbols.js';

/** A venue-wide notice, e.g. `64008` before a service upgrade cuts the connection [doc]. */
export interface OkxNotice {
  readonly type: 'notice';
  readonly code: string;
  readonly message: string;
}

export type OkxDecoded =
  | Trade
  | Ticker
  | Bar
  | { readonly type: 'book'; readonly event: OkxBookEvent }
  | { readonly type: 'reply'; readonly reply: ControlReply }
  | { readonly type: 'pong' }
  | OkxNotice;

export type SymbolOf = (instId: string) => string;

/** Candle channel units → the model's interval suffixes (`candle1H` → `1h`) [doc]. */
const CANDLE_UNITS: Readonly<Record<string, string>> = { s: 's', m: 'm', H: 'h', D: 'd', W: 'w', M: 'M' };
const CANDLE_CHANNEL = /^candle(\d+)([smHDWM])$/;

/** `candle1m` → `1m`; undefined for a channel that is not a candle channel. */
export function candleInterval(channel: string): string | undefined {
  const m = CANDLE_CHANNEL.exec(channel);
  return m === null ? undefined : `${m[1]}${CANDLE_UNITS[m[2]]}`;
}

/** Decode one frame, pushing what it holds onto `out` (returned). */
export function decodeOkxFrame(
  raw: string,
  localTimestamp: number,
  out: OkxDecoded[] = [],
  symbolOf: SymbolOf = canonicalSymbolOf,
): OkxDecoded[] {
  if (raw === 'pong') {
    out.push({ type: 'pong' });
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new DecodeError(`okx: malformed JSON frame (${raw.length} chars): ${preview(raw)}`, { cause: err });
  }
  try {
    decodeParsed(asObject(parsed, 'frame'), localTimestamp, out, symbolOf);
  } catch (err) {
    if (err instanceof DecodeError)
      throw new DecodeError(`${err.message} in ${preview(raw)}`, { cause: err });
    throw err;
  }
  return out;
}

function decodeParsed(frame: Fields, localTimestamp: number, out: OkxDecoded[], symbolOf: SymbolOf): void {
  if ('event' in frame) {
    const item = eventResult(frame);
    if (item !== undefined) out.push(item);
    return;
  }
  if (!('arg' in frame)) throw new DecodeError('okx: frame has neither an event nor an arg');
  const arg = asObject(frame.arg, 'arg');
  const channel = str(arg.channel, 'arg.channel');
  const data = array(frame.data, 'data');
  const argInstId = typeof arg.instId === 'string' ? arg.instId : undefined;
  const symbolFor = (item: Fields): string => {
    const instId = typeof item.instId === 'string' ? item.instId : argInstId;
    return symbolOf(str(instId, 'instId'));
  };
  if (channel === 'books') {
    const isSnapshot = bookAction(frame.action);
    const symbol = symbolOf(str(argInstId, 'arg.instId'));
    for (let i = 0; i < data.length; i++) {
      out.push({ type: 'book', event: book(asObject(data[i], 'data'), symbol, isSnapshot, localTimestamp) });
    }
    return;
  }
  if (channel === 'trades') {
    for (let i = 0; i < data.length; i++) {
      const item = asObject(data[i], 'data');
      out.push(trade(item, symbolFor(item), localTimestamp));
    }
    return;
  }
  if (channel === 'tickers') {
    for (let i = 0; i < data.length; i++) {
      const item = asObject(data[i], 'data');
      out.push(ticker(item, symbolFor(item), localTimestamp));
    }
    return;
  }
  const interval = candleInterval(channel);
  if (interval !== undefined) {
    const symbol = symbolOf(str(argInstId, 'arg.instId'));
    for (let i = 0; i < data.length; i++) {
      const closed = bar(array(data[i], 'data'), symbol, interval, localTimestamp);
      if (closed !== undefined) out.push(closed);
    }
    return;
  }
  throw new DecodeError(
    `okx: unknown channel ${JSON.stringify(channel)} (decoded: books, trades, tickers, candle*)`,
  );
}

/** OKX's request id, text; ids this client sends are digits. */
function requestId(v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new DecodeError('okx: field id is not a string');
  return /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}

function eventResult(frame: Fields): OkxDecoded | undefined {
  const event = str(frame.event, 'event');
  switch (event) {
    case 'subscribe':
    case 'unsubscribe':
      asObject(frame.arg, 'arg');
      return { type: 'reply', reply: { ok: true, id: requestId(frame.id) } };
    case 'error':
      return {
        type: 'reply',
        reply: {
          ok: false,
          id: requestId(frame.id),
          code: typeof frame.code === 'string' ? frame.code : 'unknown',
          message: typeof frame.msg === 'string' && frame.msg !== '' ? frame.msg : 'no message',
        },
      };
    case 'notice':
      return {
        type: 'notice',
        code: typeof frame.code === 'string' ? frame.code : 'unknown',
        message: typeof frame.msg === 'string' ? frame.msg : '',
      };
    case 'channel-conn-count':
      return undefined; // how many connections hold a channel [doc]: informational
    default:
      throw new DecodeError(`okx: unknown event ${JSON.stringify(event)}`);
  }
}

function bookAction(v: unknown): boolean {
  if (v === 'snapshot') return true;
  if (v === 'update') return false;
  throw new DecodeError(`okx: books field action ${JSON.stringify(v)} is not snapshot or update`);
}

function book(item: Fields, symbol: string, isSnapshot: boolean, localTimestamp: number): OkxBookEvent {
  const wireBids: WireLevel[] = [];
  const wireAsks: WireLevel[] = [];
  const bids = levels(item.bids, 'bids', wireBids);
  const asks = levels(item.asks, 'asks', wireAsks);
  const seqId = optionalInt(item.seqId, 'seqId');
  return {
    change: {
      type: 'book_change',
      exchange: 'okx',
      symbol,
      timestamp: msText(item.ts, 'ts'),
      localTimestamp,
      bids,
      asks,
      sequence: seqId ?? 0,
      isSnapshot,
    },
    seqId,
    prevSeqId: optionalInt(item.prevSeqId, 'prevSeqId'),
    checksum: optionalInt(item.checksum, 'checksum'),
    wire: { bids: wireBids, asks: wireAsks },
  };
}

function trade(item: Fields, symbol: string, localTimestamp: number): Trade {
  const side = item.side;
  if (side !== 'buy' && side !== 'sell') throw new DecodeError('okx: trade field side is not buy or sell');
  return {
    type: 'trade',
    exchange: 'okx',
    symbol,
    timestamp: msText(item.ts, 'ts'),
    localTimestamp,
    id: str(item.tradeId, 'tradeId'),
    price: decimal(item.px, 'px'),
    amount: decimal(item.sz, 'sz'),
    side,
  };
}

/** An empty best price or size (no bids, e.g. a new listing) reads as 0, a missing side [unconfirmed]. */
function decimalOrZero(v: unknown, field: string): number {
  return v === '' ? 0 : decimal(v, field);
}

function ticker(item: Fields, symbol: string, localTimestamp: number): Ticker {
  const last = decimal(item.last, 'last');
  const open = decimal(item.open24h, 'open24h');
  return {
    type: 'ticker',
    exchange: 'okx',
    symbol,
    timestamp: msText(item.ts, 'ts'),
    localTimestamp,
    last,
    bid: decimalOrZero(item.bidPx, 'bidPx'),
    ask: decimalOrZero(item.askPx, 'askPx'),
    bidSize: decimalOrZero(item.bidSz, 'bidSz'),
    askSize: decimalOrZero(item.askSz, 'askSz'),
    volume24h: decimal(item.vol24h, 'vol24h'),
    change24hPct: open > 0 ? ((last - open) / open) * 100 : 0,
  };
}

/** `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`: a bar once closed, else undefined. */
function bar(item: unknown[], symbol: string, interval: string, localTimestamp: number): Bar | undefined {
  if (item.length < 9) throw new DecodeError(`okx: candle has ${item.length} fields, expected 9 (… confirm)`);
  const confirm = item[8];
  if (confirm === '0') return undefined;
  if (confirm !== '1')
    throw new DecodeError(`okx: candle confirm ${JSON.stringify(confirm)} is not "0" or "1"`);
  return {
    type: 'bar',
    exchange: 'okx',
    symbol,
    timestamp: msText(item[0], 'candle ts'),
    localTimestamp,
    interval,
    open: decimal(item[1], 'candle open'),
    high: decimal(item[2], 'candle high'),
    low: decimal(item[3], 'candle low'),
    close: decimal(item[4], 'candle close'),
    volume: decimal(item[5], 'candle vol'),
  };
}
