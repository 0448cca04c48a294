/**
 * OKX v5 `books`' rule for the generic book sync (src/book/book-sync.ts), EXCHANGES.md §3:
 *
 * - The snapshot comes on the stream after subscribing (`action:"snapshot"`, 400 levels) [capture].
 * - Continuity: an update applies when its `prevSeqId` is the `seqId` of the last message applied;
 *   an update without changes repeats the seqId (`prevSeqId == seqId == last`) and applies as a
 *   no-op [doc]. Anything else is a gap. After a sequence reset (maintenance) OKX sends a smaller
 *   seqId whose prevSeqId still names the last one [doc], so identity, not arithmetic, is checked.
 *   Messages of the pre-2023 shape carry no seqId [capture]: they apply and only the checksum
 *   guards them (the book's `sequence` is then 0).
 * - Checksum on every message: the signed CRC32 of the top 25 a side over the exact wire text
 *   (`okxBookChecksum`), kept in the parallel wire book (`wireLevels`). A `checksum` of 0 is read
 *   as "none sent": one live recorder reports OKX sending 0 on every frame since the field was
 *   deprecated [unconfirmed], and a real CRC32 is 0 once in 2^32.
 * - Size "0" deletes a level [capture]; the book is kept at OKX's 400 levels [doc] (a level that
 *   falls off comes back as an insert when it re-enters OKX's window).
 * - A gap or mismatch resyncs by resubscribing `books`, which sends a fresh snapshot [doc].
 */
import type { BookEvent, BookRule, WireLevel, WireLevels } from '../../book/book-rule.js';
import type { BookSide } from '../../book/book-side.js';
import type { OrderBook } from '../../book/order-book.js';
import { CHECKSUM_LEVELS, okxBookChecksum } from './checksum.js';

/** Levels OKX's `books` channel holds a side [doc]. */
export const OKX_BOOK_LEVELS = 400;

/** One `books` data item, decoded: the normalized change plus what the rule reads. */
export interface OkxBookEvent extends BookEvent {
  /** Undefined in the pre-2023 shape. */
  readonly seqId: number | undefined;
  /** `-1` on a snapshot; undefined in the pre-2023 shape. */
  readonly prevSeqId: number | undefined;
  /** The signed CRC32 OKX sent; undefined when absent. */
  readonly checksum: number | undefined;
  /** The levels' exact text, index for index with `change.bids` / `change.asks`. */
  readonly wire: WireLevels;
}

/** `prevSeqId == sequence` applies (a repeated seqId being a no-op), anything else is a gap. */
export function okxContinuity(event: OkxBookEvent, sequence: number): 'apply' | { readonly gap: string } {
  const prev = event.prevSeqId;
  if (prev === undefined || event.seqId === undefined) return 'apply';
  if (prev === sequence) return 'apply';
  return { gap: `expected prevSeqId=${sequence}, got prevSeqId=${prev} seqId=${event.seqId}` };
}

/**
 * The checksum of a wire book's top 25 a side. Keeps its scratch arrays between calls (the
 * checksum runs on every message): one per book rule, used synchronously.
 */
export class OkxWireChecksum {
  private readonly bids = new TopText();
  private readonly asks = new TopText();

  of(wire: OrderBook<WireLevel>): number {
    return okxBookChecksum(this.bids.fill(wire.bids), this.asks.fill(wire.asks));
  }
}

/** The best 25 levels of a side, in a reused array. */
class TopText {
  private readonly top: WireLevel[] = [];

  fill(side: BookSide<WireLevel>): readonly WireLevel[] {
    const n = Math.min(CHECKSUM_LEVELS, side.size);
    const top = this.top;
    top.length = n;
    for (let i = 0; i < n; i++) top[i] = side.get(side.priceAt(i) as number) as WireLevel;
    return top;
  }
}

export interface OkxBookRuleOptions {
  /** Compare checksums (default true); off only to measure what validation costs (bench). */
  readonly validateChecksum?: boolean;
}

export function okxBookRule(options: OkxBookRuleOptions = {}): BookRule<OkxBookEvent> {
  const validate = options.validateChecksum ?? true;
  const checksum = new OkxWireChecksum();
  return {
    continues: (event, sequence) => okxContinuity(event, sequence),
    describe: (e) =>
      `${e.change.isSnapshot ? 'snapshot' : 'update'} seqId=${e.seqId ?? 'none'} ` +
      `prevSeqId=${e.prevSeqId ?? 'none'} checksum=${e.checksum ?? 'none'}`,
    resync: { kind: 'resubscribe' },
    truncateTo: OKX_BOOK_LEVELS,
    wireLevels: (e) => e.wire,
    checksum: validate
      ? {
          expected: (e) => (e.checksum === 0 ? undefined : e.checksum),
          compute: (_book, wire) => checksum.of(wire),
        }
      : undefined,
  };
}
