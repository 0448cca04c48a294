import { BookSyncError } from '../../core/errors.js';
import { applyDiff, SnapshotDiffer } from '../../replay/level-diff.js';
import type { BinanceDepthUpdateEvent, BinanceRestDepth } from './wire.js';

export interface DepthDifferStats {
  /** Snapshots accepted: the base plus every one that produced an update. */
  snapshots: number;
  /** Snapshots skipped because their lastUpdateId was not above the previous one. */
  stale: number;
  /** depthUpdate events emitted. */
  updates: number;
  /** Of those, events with no level change (the id still advanced). */
  unchanged: number;
  /** Levels carried by all emitted events. */
  levels: number;
}

/**
 * Apply one diff event to a REST book following Binance's sync rule and return the new book
 * (the input is not modified; unchanged levels are shared). An event with `u <= lastUpdateId`
 * is stale and returns `book` itself; one with `U > lastUpdateId + 1` is a gap and throws
 * {@link BookSyncError}.
 */
export function applyDepthUpdate(book: BinanceRestDepth, ev: BinanceDepthUpdateEvent): BinanceRestDepth {
  if (ev.u <= book.lastUpdateId) return book;
  if (ev.U > book.lastUpdateId + 1) {
    throw new BookSyncError(
      `${ev.s} depthUpdate gap: U=${ev.U} after lastUpdateId=${book.lastUpdateId} (expected ≤ ${book.lastUpdateId + 1})`,
    );
  }
  const next = applyDiff(book, { bids: ev.b, asks: ev.a });
  return { lastUpdateId: ev.u, bids: next.bids, asks: next.asks };
}

/**
 * Derives Binance spot `depthUpdate` events from consecutive REST depth snapshots of one symbol.
 *
 * The first snapshot is the base (push returns null). Each later one yields the diff from the
 * previous accepted snapshot with `U = previous lastUpdateId + 1` and `u = its lastUpdateId`,
 * so applying every event to the first snapshot reproduces every later one exactly and
 * consecutive events satisfy `U === previous u + 1`. A snapshot whose lastUpdateId is not
 * above the previous one is stale: it is skipped (null) and counted. A snapshot equal to the
 * previous one still yields an event, with empty `b`/`a`, so the ids stay continuous.
 *
 * Snapshots are only read, never modified; emitted levels may share arrays with them.
 */
export class DepthDiffer {
  readonly symbol: string;
  readonly stats: DepthDifferStats = { snapshots: 0, stale: 0, updates: 0, unchanged: 0, levels: 0 };
  private readonly differ = new SnapshotDiffer();
  private lastId = 0;

  constructor(symbol: string) {
    this.symbol = symbol;
  }

  /** True once a base snapshot has been taken. */
  hasBase(): boolean {
    return this.differ.hasBase();
  }

  /** lastUpdateId of the last accepted snapshot, 0 before the first. */
  get lastUpdateId(): number {
    return this.differ.hasBase() ? this.lastId : 0;
  }

  push(snapshot: BinanceRestDepth, eventTime: number): BinanceDepthUpdateEvent | null {
    const stats = this.stats;
    if (this.differ.hasBase() && snapshot.lastUpdateId <= this.lastId) {
      stats.stale++;
      return null;
    }
    const prevId = this.lastId;
    this.lastId = snapshot.lastUpdateId;
    stats.snapshots++;
    const diff = this.differ.push(snapshot);
    if (diff === null) return null;
    stats.updates++;
    stats.levels += diff.bids.length + diff.asks.length;
    if (diff.bids.length === 0 && diff.asks.length === 0) stats.unchanged++;
    return {
      e: 'depthUpdate',
      E: eventTime,
      s: this.symbol,
      U: prevId + 1,
      u: snapshot.lastUpdateId,
      b: diff.bids,
      a: diff.asks,
    };
  }

  /** Forget the base: the next snapshot starts a new run (the stats are kept). */
  reset(): void {
    this.differ.reset();
  }
}
