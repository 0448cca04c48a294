/**
 * What a venue tells the generic L2 book sync (`book-sync.ts`): how one of its book messages
 * continues the local book, whether it carries a checksum and how to compute it, how deep the
 * book is kept, and how a fresh book is obtained after a gap (REST snapshot, or resubscribing
 * so the stream sends a new snapshot). Rules are data plus pure functions; the state machine,
 * timers, pacing, crossed-book refusal and publishing live once in `BookSync`.
 *
 * Shaped against three protocols (EXCHANGES.md): Binance Spot (REST snapshot, `U <= id+1 <= u`
 * bridge, then `U == prev.u + 1`), Kraken v2 (snapshot on the stream, CRC32 of the top 10 after
 * every message, truncate to the subscribed depth, resubscribe on a mismatch) and OKX v5 `books`
 * (stream snapshot, `prevSeqId == previous seqId`, signed CRC32 of the top 25 over the exact
 * strings received, resubscribe on a gap or mismatch).
 */
import type { BookChange, Level } from '../core/types.js';
import type { NumericOrderBook, OrderBook } from './order-book.js';

/**
 * One book message from the stream as the venue decoded it: the normalized change (a snapshot
 * when `change.isSnapshot`), plus whatever the venue's rule reads (update ids, checksum, …).
 */
export interface BookEvent {
  readonly change: BookChange;
}

/**
 * How an event continues a book whose last applied update is `sequence`: apply it, skip it as
 * already covered by the book, or a gap (the reason names what was expected and what came).
 */
export type Continuity = 'apply' | 'skip' | { readonly gap: string };

/** A level as received on the wire, price text first and amount text second (e.g. OKX's 4 strings). */
export type WireLevel = readonly [price: string, amount: string, ...rest: string[]];

/** The wire text of an event's levels, index for index with `change.bids` and `change.asks`. */
export interface WireLevels {
  readonly bids: readonly WireLevel[];
  readonly asks: readonly WireLevel[];
}

export interface BookChecksum<E extends BookEvent> {
  /** The checksum `event` carries; undefined when this one has none. */
  expected(event: E): number | undefined;
  /**
   * The checksum of the local book after `event` (all its levels applied, then truncated).
   * `wire` holds the levels' wire text when the rule keeps it (`wireLevels`), else it is empty;
   * `event` names the symbol, for rules that format by the pair's precision (Kraken). A
   * `DecodeError` (a level the venue's format cannot write) counts as a mismatch.
   */
  compute(book: NumericOrderBook, wire: OrderBook<WireLevel>, event: E): number;
}

/** A book snapshot from REST, normalized. */
export interface RestBookSnapshot {
  /** The update id the snapshot is at (Binance `lastUpdateId`). */
  readonly sequence: number;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
}

/** Resync by fetching a REST snapshot and bridging the buffered stream onto it (Binance). */
export interface RestResync<E extends BookEvent> {
  readonly kind: 'rest';
  /** The snapshot URL of a canonical symbol. */
  url(symbol: string): string;
  /** Validate and normalize the response body; throws `DecodeError` on a bad one. */
  decode(body: unknown): RestBookSnapshot;
  /**
   * The first update id an event carries (Binance `U`). A snapshot older than the first buffered
   * event is refetched, and a snapshot takes the exchange time of the newest buffered event
   * starting at or before it (REST carries no time).
   */
  firstSequence(event: E): number;
  /** For logs and status reasons: `snapshot lastUpdateId=100`. */
  describe(snapshot: RestBookSnapshot): string;
}

/** Resync by unsubscribing and subscribing the book channel again: the stream sends a new snapshot. */
export interface ResubscribeResync {
  readonly kind: 'resubscribe';
}

export interface BookRule<E extends BookEvent> {
  /**
   * How `event` (not a snapshot) continues the book at `sequence`. `bridging` is true for the
   * first event after a REST snapshot, which may overlap it (Binance `U <= id+1 <= u`).
   */
  continues(event: E, sequence: number, bridging: boolean): Continuity;
  /** For logs and status reasons: `diff U=101 u=101`. */
  describe(event: E): string;
  readonly resync: RestResync<E> | ResubscribeResync;
  readonly checksum?: BookChecksum<E>;
  /** Levels kept per side after every message; the venue sends no delete for levels that fall off (Kraken). */
  readonly truncateTo?: number;
  /** The wire text of an event's levels, kept in a parallel book for checksums over the exact strings (OKX). */
  wireLevels?(event: E): WireLevels;
}
