/**
 * Alpaca Market Data v2 stream decoder: one frame (a JSON array of messages, or the same array as
 * MessagePack bytes) → normalized `trade`, `quote` and `bar` messages and the control messages an
 * ingest acts on. Pure. Wire shapes in wire.ts; EXCHANGES.md §4.
 *
 * Choices where the wire and the model differ:
 * - `t` → `trade`: `id` = the trade id `i` as text (unique per symbol and exchange `x` [doc]; on
 *   `sip` two exchanges may print the same number). `side` = `unknown`: Alpaca reports no
 *   aggressor [doc: the field list has none], and a tick-rule guess would be invented data.
 * - `q` → `quote`: the NBBO on `sip`, IEX's own top of book on `iex` [doc]; `mid` is the exact
 *   decimal midpoint (87.66 / 87.68 → 87.67, core/decimal.ts). Sizes as sent [unconfirmed: lots or shares].
 * - `b` → `bar` of `1m`, timestamp = the minute's start [doc]. `u` (a minute bar corrected by late
 *   trades) and `d` (the day's running bar) decode to nothing: the model has neither a correction
 *   nor an open bar, and the feed subscribes neither.
 * - `s` (trading status), `l` (LULD bands), `c` (trade correction), `x` (trade cancel) decode to
 *   nothing: the model has no field for them [doc: message types; the feed does not subscribe them].
 * - `success` (`connected` / `authenticated`), `subscription` (the full current state) and `error`
 *   (code and text) → control messages.
 * - `S` is the symbol and its canonical form (`AAPL`).
 * - Times: RFC3339 text with up to ns digits, or a MessagePack timestamp → ms, digits below the
 *   millisecond dropped.
 *
 * A malformed message throws a DecodeError naming the field and quoting the frame; the other
 * messages of its frame are decoded first (left in `out`), so one bad message costs only itself.
 */
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { decimalMid } from '../../core/decimal.js';
import { DecodeError } from '../../core/errors.js';
import type { Bar, Quote, Trade } from '../../core/types.js';
import { amount, asObject, integer, preview, str, strings, time, type Fields } from './codec-fields.js';
import { ALPACA_CHANNELS, type AlpacaChannel } from './wire.js';

/** The channels a `subscription` message lists, each with its symbols. */
export type AlpacaSubscriptionState = Readonly<Record<AlpacaChannel, readonly string[]>>;

export type AlpacaControl =
  | { readonly type: 'connected' }
  | { readonly type: 'authenticated' }
  | { readonly type: 'subscription'; readonly state: AlpacaSubscriptionState }
  | { readonly type: 'error'; readonly code: number; readonly message: string };

export type AlpacaDecoded = Trade | Quote | Bar | AlpacaControl;

/** Message types that carry nothing the model holds (see the header). */
const UNMODELLED = new Set(['u', 'd', 's', 'l', 'c', 'x']);

/** Decode one frame, pushing what it holds onto `out` (returned). */
export function decodeAlpacaFrame(
  raw: string | Uint8Array,
  localTimestamp: number,
  out: AlpacaDecoded[] = [],
): AlpacaDecoded[] {
  const messages = parseFrame(raw);
  let failed = 0;
  let first: DecodeError | undefined;
  for (let i = 0; i < messages.length; i++) {
    try {
      const decoded = decodeMessage(asObject(messages[i], `message ${i}`), localTimestamp);
      if (decoded !== undefined) out.push(decoded);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      failed++;
      first ??= err;
    }
  }
  if (first !== undefined) {
    const of = messages.length === 1 ? '' : ` (${failed} of ${messages.length} messages)`;
    throw new DecodeError(`${first.message}${of} in ${framePreview(raw)}`, { cause: first });
  }
  return out;
}

function parseFrame(raw: string | Uint8Array): unknown[] {
  let parsed: unknown;
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw);
    } catch (cause) {
      throw new DecodeError(`alpaca: malformed JSON frame (${raw.length} chars): ${preview(raw)}`, { cause });
    }
  } else {
    try {
      parsed = decodeMsgpack(raw);
    } catch (cause) {
      throw new DecodeError(`alpaca: malformed MessagePack frame (${raw.length} bytes)`, { cause });
    }
  }
  if (!Array.isArray(parsed)) {
    throw new DecodeError(`alpaca: frame is not an array of messages: ${framePreview(raw)}`);
  }
  return parsed;
}

function framePreview(raw: string | Uint8Array): string {
  return typeof raw === 'string' ? preview(raw) : `MessagePack frame of ${raw.length} bytes`;
}

function decodeMessage(m: Fields, localTimestamp: number): AlpacaDecoded | undefined {
  const type = str(m.T, 'T');
  switch (type) {
    case 't':
      return trade(m, localTimestamp);
    case 'q':
      return quote(m, localTimestamp);
    case 'b':
      return bar(m, localTimestamp);
    case 'success':
      if (m.msg === 'connected') return { type: 'connected' };
      if (m.msg === 'authenticated') return { type: 'authenticated' };
      throw new DecodeError(`alpaca: success msg ${JSON.stringify(m.msg)} is not connected or authenticated`);
    case 'subscription':
      return { type: 'subscription', state: subscriptionState(m) };
    case 'error':
      return {
        type: 'error',
        code: integer(m.code, 'code'),
        message: typeof m.msg === 'string' && m.msg !== '' ? m.msg : 'no message',
      };
    default:
      if (UNMODELLED.has(type)) return undefined;
      throw new DecodeError(
        `alpaca: unknown message type T=${JSON.stringify(type)} (decoded: t, q, b, success, subscription, error)`,
      );
  }
}

function subscriptionState(m: Fields): AlpacaSubscriptionState {
  const state = {} as Record<AlpacaChannel, readonly string[]>;
  // A channel the server leaves out is subscribed to nothing.
  for (const channel of ALPACA_CHANNELS)
    state[channel] = m[channel] === undefined ? [] : strings(m[channel], channel);
  return state;
}

function trade(m: Fields, localTimestamp: number): Trade {
  return {
    type: 'trade',
    exchange: 'alpaca',
    symbol: str(m.S, 'S'),
    timestamp: time(m.t, 't'),
    localTimestamp,
    id: String(integer(m.i, 'i')),
    price: amount(m.p, 'p'),
    amount: amount(m.s, 's'),
    side: 'unknown',
  };
}

function quote(m: Fields, localTimestamp: number): Quote {
  const bid = amount(m.bp, 'bp');
  const ask = amount(m.ap, 'ap');
  return {
    type: 'quote',
    exchange: 'alpaca',
    symbol: str(m.S, 'S'),
    timestamp: time(m.t, 't'),
    localTimestamp,
    bid,
    bidSize: amount(m.bs, 'bs'),
    ask,
    askSize: amount(m.as, 'as'),
    mid: decimalMid(bid, ask),
  };
}

function bar(m: Fields, localTimestamp: number): Bar {
  return {
    type: 'bar',
    exchange: 'alpaca',
    symbol: str(m.S, 'S'),
    timestamp: time(m.t, 't'),
    localTimestamp,
    interval: '1m',
    open: amount(m.o, 'o'),
    high: amount(m.h, 'h'),
    low: amount(m.l, 'l'),
    close: amount(m.c, 'c'),
    volume: amount(m.v, 'v'),
  };
}
