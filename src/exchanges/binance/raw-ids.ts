/**
 * Fields of Binance messages read straight from their JSON bytes, on the replay hub's hot path:
 * - the update ids of a book message, so the hub can keep its book deferred (see
 *   src/replay/deferred-book.ts) and still check that each diff continues it. Only the message's
 *   head is searched: the ids come before the levels in every depthUpdate and REST depth body;
 * - what the market state takes of a trade (id, price, quantity, time, side), so a trade is
 *   forwarded as it came and never parsed.
 * Undefined (or false) when the bytes do not show them; the caller then parses the message.
 */
import type { BinanceTradeEvent } from './wire.js';

/** How far into a message its ids may sit (past `e`, `E` and `s`, before the levels). */
const HEAD_BYTES = 160;

const KEY_FIRST = Buffer.from('"U":');
const KEY_LAST = Buffer.from('"u":');
const KEY_SNAPSHOT = Buffer.from('"lastUpdateId":');

/** `U` and `u` of a depthUpdate event's bytes. */
export function depthUpdateIds(raw: Buffer): { first: number; last: number } | undefined {
  const first = intAfter(raw, KEY_FIRST);
  const last = intAfter(raw, KEY_LAST);
  return first === undefined || last === undefined ? undefined : { first, last };
}

/** `lastUpdateId` of a REST depth body's bytes. */
export function snapshotUpdateId(raw: Buffer): number | undefined {
  return intAfter(raw, KEY_SNAPSHOT);
}

/** What the market state reads of a trade. */
export type TradeFacts = Pick<BinanceTradeEvent, 't' | 'p' | 'q' | 'T' | 'm'>;

const KEY_ID = Buffer.from('"t":');
const KEY_PRICE = Buffer.from('"p":"');
const KEY_QTY = Buffer.from('"q":"');
const KEY_TIME = Buffer.from('"T":');
const KEY_MAKER = Buffer.from('"m":');
const QUOTE = 34;

/** Fills `out` with the facts of a trade event's bytes; false when they do not all show. */
export function readTrade(raw: Buffer, out: TradeFacts): boolean {
  const id = intAfter(raw, KEY_ID, raw.length);
  const time = intAfter(raw, KEY_TIME, raw.length);
  const price = stringAfter(raw, KEY_PRICE);
  const qty = stringAfter(raw, KEY_QTY);
  const maker = raw.indexOf(KEY_MAKER);
  const side = maker < 0 ? -1 : raw[maker + KEY_MAKER.length];
  if (id === undefined || time === undefined || price === undefined || qty === undefined) return false;
  if (side !== 116 && side !== 102) return false; // t(rue) or f(alse)
  out.t = id;
  out.T = time;
  out.p = price;
  out.q = qty;
  out.m = side === 116;
  return true;
}

/** The string value (no escapes in it) right after `key`, which ends with its opening quote. */
function stringAfter(raw: Buffer, key: Buffer): string | undefined {
  const at = raw.indexOf(key);
  if (at < 0) return undefined;
  const from = at + key.length;
  const end = raw.indexOf(QUOTE, from);
  if (end < 0 || raw.lastIndexOf(92, end) >= from) return undefined; // a backslash: parse it properly
  return raw.toString('latin1', from, end);
}

/** The non-negative integer right after `key` within the first `within` bytes of `raw`. */
function intAfter(raw: Buffer, key: Buffer, within = HEAD_BYTES): number | undefined {
  const at = (within < raw.length ? raw.subarray(0, within) : raw).indexOf(key);
  if (at < 0) return undefined;
  let i = at + key.length;
  let value = 0;
  let digits = 0;
  for (; i < raw.length; i++) {
    const c = raw[i] - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
    digits++;
  }
  return digits === 0 || digits > 16 || value > Number.MAX_SAFE_INTEGER ? undefined : value;
}
