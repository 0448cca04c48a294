/** What a book sync shows of itself: its state and counters (inspection, health, feed stats). */
import type { NumericOrderBook } from './order-book.js';

export interface BookSyncStats {
  gaps: number;
  resyncs: number;
  /** Snapshots used (REST or stream). */
  snapshots: number;
  /** REST snapshots fetched again because they were older than the first buffered event. */
  staleSnapshots: number;
  /** Failed REST snapshots, and resubscriptions whose snapshot did not come in time. */
  snapshotErrors: number;
  applied: number;
  /** Updates already covered by the book. */
  skipped: number;
  /** Updates dropped while waiting for a stream snapshot. */
  dropped: number;
  /** Resyncs that waited for the backoff because the previous snapshot had not proved stable. */
  pacedResyncs: number;
  /** Book states refused as crossed (best bid >= best ask): snapshots, and books after an update. */
  crossed: number;
  /** Checksums compared against the local book. */
  checksums: number;
  checksumMismatches: number;
}

/** `idle`: no book, none asked for; `fetching`: a REST snapshot is on its way (or its retry); `resubscribing`: waiting for a stream snapshot. */
export type BookSyncState = 'idle' | 'fetching' | 'resubscribing' | 'synced';

/** Read-only view of one symbol's book sync (inspection, health, tests). */
export interface BookView {
  readonly symbol: string;
  readonly state: BookSyncState;
  /** The book's update id (snapshot, then the last applied update); undefined until synced. */
  readonly updateId: number | undefined;
  /** Flagged: a crossed book was refused and no book has been published since. */
  readonly crossed: boolean;
  readonly stats: Readonly<BookSyncStats>;
  readonly book: NumericOrderBook;
}

export function newBookSyncStats(): BookSyncStats {
  return {
    gaps: 0,
    resyncs: 0,
    snapshots: 0,
    staleSnapshots: 0,
    snapshotErrors: 0,
    applied: 0,
    skipped: 0,
    dropped: 0,
    pacedResyncs: 0,
    crossed: 0,
    checksums: 0,
    checksumMismatches: 0,
  };
}
