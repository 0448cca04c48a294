/**
 * OKX v5 order book checksum (EXCHANGES.md §3.3): the 25 best bids (price descending) and the 25
 * best asks (price ascending) interleaved bid1, ask1, bid2, ask2, … (once one side runs out the
 * other side's remaining entries follow), each entry `price:size` in the exact text received,
 * all joined with `:`, CRC32 (IEEE) read as a signed 32-bit integer.
 */
import { crc32 } from 'node:zlib';

/** Levels the checksum covers on each side. */
export const CHECKSUM_LEVELS = 25;

/** A level as the exact decimal text OKX sent: `[price, size, …]` (the rest is not checksummed). */
export type TextLevel = readonly [price: string, size: string, ...rest: string[]];

/** The checksum of a book held as exact text, each side best first. */
export function okxBookChecksum(bids: readonly TextLevel[], asks: readonly TextLevel[]): number {
  const nBids = Math.min(CHECKSUM_LEVELS, bids.length);
  const nAsks = Math.min(CHECKSUM_LEVELS, asks.length);
  let text = '';
  for (let i = 0; i < Math.max(nBids, nAsks); i++) {
    if (i < nBids) text += (text === '' ? '' : ':') + bids[i][0] + ':' + bids[i][1];
    if (i < nAsks) text += (text === '' ? '' : ':') + asks[i][0] + ':' + asks[i][1];
  }
  return crc32(text) | 0;
}
