/**
 * Binance Spot encoder: normalized messages as the events and REST bodies Binance sends, for
 * the replay simulator. Inverse of codec.ts: `decodeBinanceFrame(JSON.stringify(encode(n)))`
 * gives back `n` (tested in codec.test.ts).
 */
import { TickstreamError } from '../../core/errors.js';
import type { BookChange, BookSnapshot, Level, NormalizedMessage, Ticker, Trade } from '../../core/types.js';
import { toBinanceSymbol } from './symbols.js';
import type {
  BinanceBookTickerEvent,
  BinanceDepthUpdateEvent,
  BinanceLevel,
  BinanceRestDepth,
  BinanceStreamEvent,
  BinanceTicker24hEvent,
  BinanceTradeEvent,
} from './wire.js';

/** Update ids that the normalized model does not carry; defaults: `U` = `u` = sequence, bookTicker `u` = 0. */
export interface BinanceEncodeIds {
  readonly firstUpdateId?: number;
  readonly updateId?: number;
}

/** A normalized trade, book_change (not a snapshot), quote or ticker as the Binance event the exchange sends. */
export function encodeBinanceEvent(msg: NormalizedMessage, ids?: BinanceEncodeIds): BinanceStreamEvent {
  switch (msg.type) {
    case 'trade':
      return encodeTrade(msg);
    case 'book_change':
      if (msg.isSnapshot) break;
      return {
        e: 'depthUpdate',
        E: msg.timestamp,
        s: toBinanceSymbol(msg.symbol),
        U: ids?.firstUpdateId ?? msg.sequence,
        u: msg.sequence,
        b: encodeLevels(msg.bids),
        a: encodeLevels(msg.asks),
      } satisfies BinanceDepthUpdateEvent;
    case 'quote':
      return {
        u: ids?.updateId ?? 0,
        s: toBinanceSymbol(msg.symbol),
        b: formatBinanceDecimal(msg.bid),
        B: formatBinanceDecimal(msg.bidSize),
        a: formatBinanceDecimal(msg.ask),
        A: formatBinanceDecimal(msg.askSize),
      } satisfies BinanceBookTickerEvent;
    case 'ticker':
      return encodeTicker(msg);
    default:
      break;
  }
  throw new TickstreamError(
    'ERR_ENCODE',
    `binance: no stream event for a ${msg.type}${msg.type === 'book_change' ? ' snapshot' : ''}`,
  );
}

/** A book as the REST depth body (`GET /api/v3/depth`). */
export function encodeBinanceRestDepth(book: BookSnapshot | BookChange): BinanceRestDepth {
  return { lastUpdateId: book.sequence, bids: encodeLevels(book.bids), asks: encodeLevels(book.asks) };
}

function encodeTrade(msg: Trade): BinanceTradeEvent {
  const t = Number(msg.id);
  if (!Number.isSafeInteger(t))
    throw new TickstreamError('ERR_ENCODE', `binance: trade id ${msg.id} is not an integer`);
  return {
    e: 'trade',
    E: msg.timestamp,
    s: toBinanceSymbol(msg.symbol),
    t,
    p: formatBinanceDecimal(msg.price),
    q: formatBinanceDecimal(msg.amount),
    T: msg.timestamp,
    m: msg.side === 'sell',
    M: true,
  };
}

/** Fields the model does not carry are derived (open from last and change %) or neutral. */
function encodeTicker(msg: Ticker): BinanceTicker24hEvent {
  const open = msg.last / (1 + msg.change24hPct / 100);
  const f = formatBinanceDecimal;
  return {
    e: '24hrTicker',
    E: msg.timestamp,
    s: toBinanceSymbol(msg.symbol),
    p: f(msg.last - open),
    P: f(msg.change24hPct),
    w: f(msg.last),
    x: f(open),
    c: f(msg.last),
    Q: f(0),
    b: f(msg.bid),
    B: f(msg.bidSize),
    a: f(msg.ask),
    A: f(msg.askSize),
    o: f(open),
    h: f(Math.max(open, msg.last)),
    l: f(Math.min(open, msg.last)),
    v: f(msg.volume24h),
    q: f(msg.volume24h * msg.last),
    O: msg.timestamp - 86_400_000,
    C: msg.timestamp,
    F: 0,
    L: 0,
    n: 0,
  };
}

function encodeLevels(levels: readonly Level[]): BinanceLevel[] {
  const out = new Array<BinanceLevel>(levels.length);
  for (let i = 0; i < levels.length; i++) {
    out[i] = [formatBinanceDecimal(levels[i][0]), formatBinanceDecimal(levels[i][1])];
  }
  return out;
}

/**
 * A number as Binance writes decimals: plain notation, at least 8 decimals (`0.3528` →
 * `0.35280000`). Exact: `Number(formatBinanceDecimal(n)) === n` for every finite n.
 */
export function formatBinanceDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new TickstreamError('ERR_ENCODE', `binance: ${n} is not a finite decimal`);
  let s = String(n);
  if (s.indexOf('e') !== -1) s = expandExponent(s);
  const dot = s.indexOf('.');
  if (dot === -1) return s + '.00000000';
  const decimals = s.length - dot - 1;
  return decimals >= 8 ? s : s + '00000000'.slice(decimals);
}

/** `1.5e-7` → `0.00000015`, `1e+21` → `1000000000000000000000`: digit shifting, no rounding. */
function expandExponent(s: string): string {
  const neg = s.charCodeAt(0) === 45; /* - */
  const body = neg ? s.slice(1) : s;
  const e = body.indexOf('e');
  const mantissa = body.slice(0, e);
  const exp = Number(body.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const intLen = (dot === -1 ? mantissa.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return neg ? '-' + out : out;
}
