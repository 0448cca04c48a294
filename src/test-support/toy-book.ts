/**
 * A toy book protocol for the framework tests (book sync, venue feed), shaped like OKX `books`
 * without being it: a snapshot on the stream, then updates whose `prev` must equal the previous
 * `seq`, each with a signed CRC32 over the exact text of the top 3 levels. Test support only.
 */
import { crc32 } from 'node:zlib';
import type { BookEvent, BookRule, WireLevels } from '../book/book-rule.js';
import type { BookChange, Exchange, Level } from '../core/types.js';

export type TextSide = Array<[string, string]>;

export const TOY_EXCHANGE: Exchange = 'okx';

/** Signed CRC32 of `bid1:ask1:bid2:ask2:…` (each `price:amount` as sent), top 3 per side. */
export function toyChecksum(
  bids: readonly (readonly string[])[],
  asks: readonly (readonly string[])[],
): number {
  const parts: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (i < bids.length) parts.push(`${bids[i][0]}:${bids[i][1]}`);
    if (i < asks.length) parts.push(`${asks[i][0]}:${asks[i][1]}`);
  }
  return crc32(parts.join(':')) | 0;
}

export interface SeqEvent extends BookEvent {
  readonly seq: number;
  readonly prev: number;
  readonly checksum: number | undefined;
  readonly wire: WireLevels;
}

/** `prev == previous seq` continues, an older seq is a repeat, anything else is a gap; resubscribe to resync. */
export const toySeqRule: BookRule<SeqEvent> = {
  continues: (e, seq) =>
    e.prev === seq ? 'apply' : e.seq <= seq ? 'skip' : { gap: `expected prev=${seq}, got prev=${e.prev}` },
  describe: (e) => `update seq=${e.seq} prev=${e.prev}`,
  resync: { kind: 'resubscribe' },
  checksum: {
    expected: (e) => e.checksum,
    compute: (_book, wire) => {
      const bids = wire.bids.top(3);
      const asks = wire.asks.top(3);
      return toyChecksum(
        bids.map((l) => l[1]),
        asks.map((l) => l[1]),
      );
    },
  },
  wireLevels: (e) => e.wire,
};

export const numericLevels = (side: TextSide): Level[] =>
  side.map(([p, q]) => [Number(p), Number(q)] as Level);

export function toyChange(
  symbol: string,
  seq: number,
  bids: TextSide,
  asks: TextSide,
  isSnapshot: boolean,
  localTimestamp = Date.now(),
): BookChange {
  return {
    type: 'book_change',
    exchange: TOY_EXCHANGE,
    symbol,
    timestamp: Date.UTC(2021, 4, 1) + seq,
    localTimestamp,
    bids: numericLevels(bids),
    asks: numericLevels(asks),
    sequence: seq,
    isSnapshot,
  };
}

/** An independent reference book: text levels in Maps, sorted when read, optionally truncated. */
export class RefBook {
  readonly bids = new Map<number, [string, string]>();
  readonly asks = new Map<number, [string, string]>();
  constructor(private readonly depth = Infinity) {}

  apply(bids: TextSide, asks: TextSide): void {
    for (const [side, levels] of [
      [this.bids, bids],
      [this.asks, asks],
    ] as const) {
      for (const l of levels) {
        if (Number(l[1]) === 0) side.delete(Number(l[0]));
        else side.set(Number(l[0]), l);
      }
    }
    const sorted = this.sorted();
    this.bids.clear();
    this.asks.clear();
    for (const l of sorted.bids.slice(0, this.depth)) this.bids.set(Number(l[0]), l);
    for (const l of sorted.asks.slice(0, this.depth)) this.asks.set(Number(l[0]), l);
  }

  sorted(): { bids: TextSide; asks: TextSide } {
    return {
      bids: [...this.bids].sort((x, y) => y[0] - x[0]).map((e) => e[1]),
      asks: [...this.asks].sort((x, y) => x[0] - y[0]).map((e) => e[1]),
    };
  }
}

/** One symbol's toy stream: every event carries the checksum of the reference book after it. */
export class ToyStream {
  private ref = new RefBook();
  constructor(readonly symbol: string) {}

  snapshot(seq: number, bids: TextSide, asks: TextSide): SeqEvent {
    this.ref = new RefBook();
    return this.event(seq, -1, bids, asks, true, false);
  }

  /** `badChecksum`: the event claims a checksum the book after it does not have. */
  update(seq: number, prev: number, bids: TextSide = [], asks: TextSide = [], badChecksum = false): SeqEvent {
    return this.event(seq, prev, bids, asks, false, badChecksum);
  }

  private event(
    seq: number,
    prev: number,
    bids: TextSide,
    asks: TextSide,
    snap: boolean,
    bad: boolean,
  ): SeqEvent {
    this.ref.apply(bids, asks);
    const top = this.ref.sorted();
    const sum = toyChecksum(top.bids, top.asks);
    return {
      change: toyChange(this.symbol, seq, bids, asks, snap),
      seq,
      prev,
      checksum: bad ? sum ^ 1 : sum,
      wire: { bids, asks },
    };
  }
}
