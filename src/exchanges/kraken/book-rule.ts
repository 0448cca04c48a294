/**
 * Kraken v2's rule for the generic book sync (src/book/book-sync.ts), EXCHANGES.md §2.3-2.4: the
 * snapshot comes on the stream after subscribing, updates carry no sequence (each one applies),
 * every message (snapshot and update) carries the CRC32 of the top 10 after it, computed at the
 * pair's price and quantity precision, the book is truncated to the subscribed depth after each
 * message (Kraken sends no delete for a level that falls below it), and a mismatch is repaired
 * by resubscribing the book channel, which brings a fresh snapshot.
 */
import type { BookEvent, BookRule } from '../../book/book-rule.js';
import { CHECKSUM_LEVELS, krakenBookChecksum, type KrakenPrecision } from './checksum.js';
import type { KrakenPairs } from './symbols.js';
import { KRAKEN_BOOK_DEPTHS, type KrakenBookDepth } from './wire.js';

/** A book message: the normalized change (Kraken's own fields stripped) and the checksum sent with it. */
export interface KrakenBookEvent extends BookEvent {
  readonly checksum: number;
}

/**
 * The book depth to subscribe for `levels` published levels a side: the smallest Kraken offers
 * that holds them all (20 → 25). Truncation to a depth under `levels` would publish short books;
 * a deeper one costs bandwidth for levels nobody reads. Above 1000, 1000.
 */
export function krakenBookDepthFor(levels: number): KrakenBookDepth {
  for (const depth of KRAKEN_BOOK_DEPTHS) if (depth >= levels) return depth;
  return KRAKEN_BOOK_DEPTHS[KRAKEN_BOOK_DEPTHS.length - 1];
}

export function krakenBookRule(pairs: KrakenPairs, depth: KrakenBookDepth): BookRule<KrakenBookEvent> {
  // The pair of each symbol, looked up once: the checksum runs on every book message.
  const precisions = new Map<string, KrakenPrecision>();
  const precisionOf = (symbol: string): KrakenPrecision => {
    let p = precisions.get(symbol);
    if (p === undefined) precisions.set(symbol, (p = pairs.get(symbol)));
    return p;
  };
  return {
    continues: () => 'apply',
    describe: (e) => `${e.change.isSnapshot ? 'snapshot' : 'update'} checksum=${e.checksum}`,
    resync: { kind: 'resubscribe' },
    truncateTo: depth,
    checksum: {
      expected: (e) => e.checksum,
      compute: (book, _wire, e) =>
        krakenBookChecksum(
          book.asks.top(CHECKSUM_LEVELS),
          book.bids.top(CHECKSUM_LEVELS),
          precisionOf(e.change.symbol),
        ),
    },
  };
}
