/**
 * OKX v5 order book checksum (EXCHANGES.md §3.3): the 25 best bids (price descending) and the 25
 * best asks (price ascending) interleaved bid1, ask1, bid2, ask2, … (once one side runs out the
 * other side's remaining entries follow), each entry `price:size` in the exact text received,
 * all joined with `:`, CRC32 (IEEE) read as a signed 32-bit integer.
 */
import { crc32 } from 'node:zlib';
import type { WireLevel } from '../../book/book-rule.js';

/** Levels the checksum covers on each side. */
export const CHECKSUM_LEVELS = 25;

/** The checksum of a book held as exact text, each side best first. */
/** Levels are the exact text OKX sent, `[price, size, …]`; only price and size are checksummed. */
export function okxBookChecksum(bids: readonly WireLevel[], asks: readonly WireLevel[]): number {
  const nBids = Math.min(CHECKSUM_LEVELS, bids.length);
  const nAsks = Math.min(CHECKSUM_LEVELS, asks.length);
  let text = '';
  for (let i = 0; i < Math.max(nBids, nAsks); i++) {
    if (i < nBids) text += (text === '' ? '' : ':') + bids[i][0] + ':' + bids[i][1];
    if (i < nAsks) text += (text === '' ? '' : ':') + asks[i][0] + ':' + asks[i][1];
  }
  return crc32(text) | 0;
}
