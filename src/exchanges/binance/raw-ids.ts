/**
 * The update ids of a Binance book message read straight from its JSON bytes, so the hub can
 * keep its book deferred (see src/replay/deferred-book.ts) and still check that each diff
 * continues it. Only the message's head is searched: the ids come before the levels in every
 * depthUpdate and REST depth body. Undefined when the bytes do not show them; the caller then
 * parses the message.
 */

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

/** The non-negative integer right after `key` in the head of `raw`. */
function intAfter(raw: Buffer, key: Buffer): number | undefined {
  const at = raw.subarray(0, HEAD_BYTES).indexOf(key);
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
  return digits === 0 || digits > 15 ? undefined : value;
}
