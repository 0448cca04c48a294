/**
 * Fields of Binance messages read straight from their JSON bytes, on the replay hub's hot path:
 * - the update ids of a book message, so the hub can keep its book deferred (see
 *   src/replay/deferred-book.ts) and still check that each diff continues it. Only the message's
 *   head is searched: the ids come before the levels in every depthUpdate and REST depth body;
 * - what the market state takes of a trade (id, price, quantity, time, side), so a trade is
 *   forwarded as it came and never parsed.
 * Undefined (or false) when the bytes do not show them; the caller then parses the message.
 *
 * Binance's stream events name their fields with one letter: a key is `"K":`, which inside a
 * JSON string could only appear with K a backslash (a quote there is escaped), so one pass over
 * the bytes finds the keys without tracking strings. Keys nested deeper (none in these events)
 * would be read as top-level ones.
 */
import type { BinanceTradeEvent } from './wire.js';

/** How far into a message its ids may sit (past `e`, `E` and `s`, before the levels). */
const HEAD_BYTES = 160;

const KEY_SNAPSHOT = Buffer.from('"lastUpdateId":');
const QUOTE = 34;
const COLON = 58;
const BACKSLASH = 92;

/** `U` and `u` of a depthUpdate event's bytes. */
export function depthUpdateIds(raw: Buffer): { first: number; last: number } | undefined {
  let first: number | undefined;
  let last: number | undefined;
  const end = Math.min(raw.length, HEAD_BYTES) - 3;
  for (let i = 0; i < end && (first === undefined || last === undefined); i++) {
    if (raw[i] !== QUOTE || raw[i + 2] !== QUOTE || raw[i + 3] !== COLON) continue;
    const key = raw[i + 1];
    if (key === 85)
      first = intAt(raw, i + 4); // U
    else if (key === 117) last = intAt(raw, i + 4); // u
  }
  return first === undefined || last === undefined ? undefined : { first, last };
}

/** `lastUpdateId` of a REST depth body's bytes. */
export function snapshotUpdateId(raw: Buffer): number | undefined {
  const at = raw.subarray(0, HEAD_BYTES).indexOf(KEY_SNAPSHOT);
  return at < 0 ? undefined : intAt(raw, at + KEY_SNAPSHOT.length);
}

/** What the market state reads of a trade. */
export type TradeFacts = Pick<BinanceTradeEvent, 't' | 'p' | 'q' | 'T' | 'm'>;

/** Fills `out` with the facts of a trade event's bytes; false when they do not all show. */
export function readTrade(raw: Buffer, out: TradeFacts): boolean {
  let id: number | undefined;
  let time: number | undefined;
  let price: string | undefined;
  let qty: string | undefined;
  let side = -1;
  const end = raw.length - 4;
  for (let i = 0; i < end; i++) {
    if (raw[i] !== QUOTE || raw[i + 2] !== QUOTE || raw[i + 3] !== COLON) continue;
    const value = i + 4;
    switch (raw[i + 1]) {
      case 116: // t
        id = intAt(raw, value);
        break;
      case 84: // T
        time = intAt(raw, value);
        break;
      case 112: // p
        price = stringAt(raw, value);
        break;
      case 113: // q
        qty = stringAt(raw, value);
        break;
      case 109: // m: t(rue) or f(alse)
        side = raw[value];
        break;
    }
    i = value - 1;
  }
  if (id === undefined || time === undefined || price === undefined || qty === undefined) return false;
  if (side !== 116 && side !== 102) return false;
  out.t = id;
  out.T = time;
  out.p = price;
  out.q = qty;
  out.m = side === 116;
  return true;
}

/** The string value starting with its quote at `at`, when it holds no escape. */
function stringAt(raw: Buffer, at: number): string | undefined {
  if (raw[at] !== QUOTE) return undefined;
  for (let i = at + 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === QUOTE) return raw.toString('latin1', at + 1, i);
    if (c === BACKSLASH || c > 127) return undefined;
  }
  return undefined;
}

/** The non-negative integer starting at `at` (a safe integer), else undefined. */
function intAt(raw: Buffer, at: number): number | undefined {
  let value = 0;
  let digits = 0;
  for (let i = at; i < raw.length; i++) {
    const c = raw[i] - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
    digits++;
  }
  return digits === 0 || digits > 16 || value > Number.MAX_SAFE_INTEGER ? undefined : value;
}
